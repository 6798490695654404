using Microsoft.Extensions.Options;
using PocketCode.Platform.Tests.Infrastructure;

namespace PocketCode.Platform.Tests;

public sealed class StartupTests
{
    [Fact]
    public void Emulator_host_in_production_is_refused_by_AddServiceDefaults()
    {
        var builder = TestApp.CreateBuilder("Production", new Dictionary<string, string?> { ["FIREBASE_AUTH_EMULATOR_HOST"] = "127.0.0.1:9099" });

        var error = Assert.Throws<InvalidOperationException>(() => builder.AddServiceDefaults(TestApp.ServiceName));

        Assert.Contains("FIREBASE_AUTH_EMULATOR_HOST", error.Message, StringComparison.Ordinal);
        Assert.Contains("Production", error.Message, StringComparison.Ordinal);
        Assert.Contains("refuses to start", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Emulator_host_added_after_AddServiceDefaults_is_still_refused_at_start_up()
    {
        // A test host (WebApplicationFactory) applies its configuration late, after the
        // service's Program has called AddServiceDefaults; options validation catches that.
        var builder = TestApp.CreateBuilder("Production");
        builder.AddServiceDefaults(TestApp.ServiceName);
        builder.Configuration["FIREBASE_AUTH_EMULATOR_HOST"] = "127.0.0.1:9099";
        var app = builder.Build();

        var error = Assert.Throws<OptionsValidationException>(() => app.UseServiceDefaults());

        Assert.Contains("FIREBASE_AUTH_EMULATOR_HOST", error.Message, StringComparison.Ordinal);
        Assert.Contains("Production", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Production")]
    [InlineData("Staging")]
    public void Missing_project_id_outside_development_fails_naming_the_variable(string environment)
    {
        var builder = TestApp.CreateBuilder(environment, new Dictionary<string, string?> { ["GOOGLE_CLOUD_PROJECT"] = "" });
        builder.AddServiceDefaults(TestApp.ServiceName);
        var app = builder.Build();

        var error = Assert.Throws<OptionsValidationException>(() => app.UseServiceDefaults());

        Assert.Contains("GOOGLE_CLOUD_PROJECT", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_project_id_also_fails_host_start_when_UseServiceDefaults_is_skipped()
    {
        var builder = TestApp.CreateBuilder("Production", new Dictionary<string, string?> { ["GOOGLE_CLOUD_PROJECT"] = "" });
        builder.AddServiceDefaults(TestApp.ServiceName);
        await using var app = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync(TestContext.Current.CancellationToken));

        Assert.Contains("GOOGLE_CLOUD_PROJECT", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Project_number_instead_of_id_is_rejected()
    {
        var builder = TestApp.CreateBuilder("Production", new Dictionary<string, string?> { ["GOOGLE_CLOUD_PROJECT"] = "123456789012" });
        builder.AddServiceDefaults(TestApp.ServiceName);
        var app = builder.Build();

        var error = Assert.Throws<OptionsValidationException>(() => app.UseServiceDefaults());

        Assert.Contains("not a project id", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://keys.example.com", "must use https")]
    [InlineData("not a url", "not an absolute")]
    public void Issuer_base_url_must_be_https_unless_loopback(string value, string expected)
    {
        var builder = TestApp.CreateBuilder("Production", new Dictionary<string, string?> { ["Auth:IssuerBaseUrl"] = value });
        builder.AddServiceDefaults(TestApp.ServiceName);
        var app = builder.Build();

        var error = Assert.Throws<OptionsValidationException>(() => app.UseServiceDefaults());

        Assert.Contains("Auth:IssuerBaseUrl", error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Non_positive_body_limit_is_rejected_naming_the_key()
    {
        var builder = TestApp.CreateBuilder("Production", new Dictionary<string, string?> { ["Limits:MaxRequestBodyBytes"] = "0" });
        builder.AddServiceDefaults(TestApp.ServiceName);

        // Kestrel reads its limits while the app is built, so this one fails at Build().
        var error = Assert.Throws<OptionsValidationException>(() => builder.Build().UseServiceDefaults());

        Assert.Contains("Limits:MaxRequestBodyBytes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Emulator_host_in_development_starts()
    {
        await using var app = await TestApp.StartAsync("Development", new Dictionary<string, string?> { ["FIREBASE_AUTH_EMULATOR_HOST"] = "127.0.0.1:9099" });

        Assert.Equal(System.Net.HttpStatusCode.OK, (await app.GetAsync("/health/live")).StatusCode);
    }
}
