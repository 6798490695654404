using System.Net;
using System.Net.Http.Json;
using PocketCode.Testing;
using Xunit;

namespace PocketCode.Marketplace.Tests;

public sealed class IdentityTests(ServiceFactory<Program> factory) : IClassFixture<ServiceFactory<Program>>
{
    private const string WhoAmIRoute = "/v1/marketplace/whoami";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_development_token_gets_the_callers_uid_back()
    {
        using var client = await factory.CreateClientForAsync("dev-user-1", "dev1@example.com");

        var me = await client.GetFromJsonAsync<WhoAmI>(WhoAmIRoute, Ct);

        Assert.Equal("dev-user-1", me!.Uid);
        Assert.Equal("dev1@example.com", me.Email);
        Assert.Equal("marketplace", me.Service);
    }

    [Fact]
    public async Task Without_a_token_the_answer_is_a_401_problem()
    {
        using var client = factory.CreateClient();

        using var response = await client.GetAsync(WhoAmIRoute, Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Readiness_checks_the_stores_and_the_openapi_document_lists_the_route()
    {
        using var client = factory.CreateClient();

        using var ready = await client.GetAsync("/health/ready", Ct);
        var body = await ready.Content.ReadAsStringAsync(Ct);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Contains("document-store", body, StringComparison.Ordinal);
        Assert.Contains("blob-store", body, StringComparison.Ordinal);

        var openApi = await client.GetStringAsync("/openapi/v1.json", Ct);
        Assert.Contains(WhoAmIRoute, openApi, StringComparison.Ordinal);
    }

    private sealed record WhoAmI(string Uid, string? Email, string Service);
}
