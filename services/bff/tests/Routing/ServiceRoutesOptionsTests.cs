using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Internal;
using PocketCode.Bff.Routing;
using Xunit;

namespace PocketCode.Bff.Tests.Routing;

public sealed class ServiceRoutesOptionsTests
{
    [Fact]
    public void Outside_development_missing_addresses_fail_naming_their_keys()
    {
        var options = new ServiceRoutesOptions();
        new ServiceRoutesDefaults(new HostingEnvironment { EnvironmentName = Environments.Production }).PostConfigure(null, options);

        var result = new ServiceRoutesOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains("Services:Marketplace:Url", result.FailureMessage);
        Assert.Contains("Services:ApiProxy:Url", result.FailureMessage);
    }

    [Fact]
    public void Development_defaults_to_the_local_ports()
    {
        var options = new ServiceRoutesOptions();
        new ServiceRoutesDefaults(new HostingEnvironment { EnvironmentName = Environments.Development }).PostConfigure(null, options);

        Assert.Equal("http://127.0.0.1:8081", options.Marketplace.Url);
        Assert.Equal("http://127.0.0.1:8082", options.ApiProxy.Url);
        Assert.True(new ServiceRoutesOptionsValidator().Validate(null, options).Succeeded);
    }

    [Fact]
    public void A_relative_address_is_refused()
    {
        var options = new ServiceRoutesOptions { Marketplace = { Url = "marketplace" }, ApiProxy = { Url = "https://proxy.example" } };

        var result = new ServiceRoutesOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains("Services:Marketplace:Url", result.FailureMessage);
    }

    [Theory]
    [InlineData(null, null, false)]
    [InlineData(null, "bff", true)]
    [InlineData(false, "bff", false)]
    [InlineData(true, null, true)]
    public void Google_id_tokens_follow_the_option_or_cloud_run(bool? option, string? kService, bool expected)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["K_SERVICE"] = kService }).Build();

        Assert.Equal(expected, ServiceRoutes.UsesGoogleIdTokens(new ServiceRoutesOptions { UseGoogleIdTokens = option }, configuration));
    }
}
