using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace PocketCode.Platform.Tests;

/// <summary>Closed options registrations behave as AddOptions' open generic ones do.</summary>
public sealed class AheadOfTimeOptionsTests
{
    public sealed class SampleOptions
    {
        public string Name { get; set; } = "";

        public int Size { get; set; }
    }

    [Fact]
    public void The_closed_registrations_are_the_ones_resolved()
    {
        using var provider = Build(new ConfigurationBuilder().Build());

        Assert.IsType<OptionsManager<SampleOptions>>(provider.GetRequiredService<IOptions<SampleOptions>>());
        Assert.IsType<OptionsMonitor<SampleOptions>>(provider.GetRequiredService<IOptionsMonitor<SampleOptions>>());
        Assert.IsType<OptionsFactory<SampleOptions>>(provider.GetRequiredService<IOptionsFactory<SampleOptions>>());
        using var scope = provider.CreateScope();
        Assert.IsType<OptionsManager<SampleOptions>>(scope.ServiceProvider.GetRequiredService<IOptionsSnapshot<SampleOptions>>());
    }

    [Fact]
    public void Binding_configure_post_configure_and_named_options_still_apply()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Sample:Name"] = "bound" }).Build();
        using var provider = Build(configuration);

        var value = provider.GetRequiredService<IOptions<SampleOptions>>().Value;
        var named = provider.GetRequiredService<IOptionsMonitor<SampleOptions>>().Get("other");

        Assert.Equal("bound!", value.Name);
        Assert.Equal(2, value.Size);
        Assert.Equal("", named.Name);
        Assert.Equal(7, named.Size);
    }

    [Fact]
    public void Validation_still_fails_with_the_validators_message()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Sample:Name"] = "bad" }).Build();
        using var provider = Build(configuration);

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<SampleOptions>>().Value);

        Assert.Contains("Sample:Name must not be 'bad'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_monitor_still_sees_configuration_reloads()
    {
        var source = new Dictionary<string, string?> { ["Sample:Name"] = "first" };
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(source).Build();
        using var provider = Build(configuration);
        var monitor = provider.GetRequiredService<IOptionsMonitor<SampleOptions>>();
        Assert.Equal("first!", monitor.CurrentValue.Name);

        configuration["Sample:Name"] = "second";
        configuration.Reload();

        Assert.Equal("second!", monitor.CurrentValue.Name);
    }

    private static ServiceProvider Build(IConfigurationRoot configuration)
    {
        var services = new ServiceCollection();
        services.AddOptions<SampleOptions>()
            .Bind(configuration.GetSection("Sample"))
            .Configure(o => o.Size = 2)
            .PostConfigure(o => o.Name += "!")
            .Validate(o => o.Name != "bad!", "Sample:Name must not be 'bad'.");
        services.Configure<SampleOptions>("other", o => o.Size = 7);
        services.AddAheadOfTimeOptions<SampleOptions>();
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = true });
    }
}
