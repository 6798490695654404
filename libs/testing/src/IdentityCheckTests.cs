using System.Net;
using System.Net.Http.Json;
using Xunit;

namespace PocketCode.Testing;

/// <summary>
/// The identity check every service offers: its route gives the caller's uid back for a development
/// token, refuses anonymous callers with a problem, and is listed in the service's OpenAPI document.
/// Each service's test project derives one class from this with its route and name.
/// </summary>
public abstract class IdentityCheckTests<TProgram>(ServiceFactory<TProgram> factory)
    where TProgram : class
{
    protected abstract string Route { get; }

    protected abstract string ServiceName { get; }

    /// <summary>The readiness checks the service registers (a service without blobs overrides this).</summary>
    protected virtual IReadOnlyList<string> ReadinessChecks { get; } = ["document-store", "blob-store"];

    [Fact]
    public async Task A_development_token_gets_the_callers_uid_back()
    {
        using var client = await factory.CreateClientForAsync("dev-user-1", "dev1@example.com");

        var me = await client.GetFromJsonAsync<WhoAmI>(Route, Ct);

        Assert.Equal("dev-user-1", me!.Uid);
        Assert.Equal("dev1@example.com", me.Email);
        Assert.Equal(ServiceName, me.Service);
    }

    [Fact]
    public async Task Without_a_token_the_answer_is_a_401_problem()
    {
        using var client = factory.CreateClient();

        using var response = await client.GetAsync(Route, Ct);

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
        foreach (var check in ReadinessChecks)
        {
            Assert.Contains(check, body, StringComparison.Ordinal);
        }

        var openApi = await client.GetStringAsync("/openapi/v1.json", Ct);
        Assert.Contains(Route, openApi, StringComparison.Ordinal);
    }

    private sealed record WhoAmI(string Uid, string? Email, string Service);
}
