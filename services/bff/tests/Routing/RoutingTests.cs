using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using PocketCode.Bff.Routing;
using PocketCode.Bff.Tests.Projects;
using PocketCode.Testing;
using Xunit;

namespace PocketCode.Bff.Tests.Routing;

/// <summary>Issues recognisable fake tokens and remembers the audiences asked for.</summary>
public sealed class FakeIdTokens : IGoogleIdTokenSource
{
    public List<string> Audiences { get; } = [];

    public Task<string> GetTokenAsync(string audience, CancellationToken cancellationToken)
    {
        lock (Audiences)
        {
            Audiences.Add(audience);
        }

        return Task.FromResult("fake-google-id-token-for:" + audience);
    }
}

/// <summary>The BFF on a real socket (streams go through Kestrel and compression as in production).</summary>
public sealed class RoutedBff : ServiceFactory<Program>
{
    public RoutedBff(string marketplaceUrl, string apiProxyUrl, bool cloudRun)
    {
        UseKestrel(0);
        Settings[ServiceRoutesOptions.MarketplaceUrlKey] = marketplaceUrl;
        Settings[ServiceRoutesOptions.ApiProxyUrlKey] = apiProxyUrl;
        Settings["Services:UseGoogleIdTokens"] = cloudRun ? "true" : "false";
    }

    public FakeIdTokens Tokens { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("urls", "http://127.0.0.1:0");
        builder.ConfigureTestServices(services => services.AddSingleton<IGoogleIdTokenSource>(Tokens));
    }
}

/// <summary>Two stand-ins and three BFFs: plain, Cloud Run mode, and one whose marketplace is down.</summary>
public sealed class RoutingFixture : IAsyncLifetime
{
    private volatile TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public StandIn Marketplace { get; private set; } = null!;
    public StandIn ApiProxy { get; private set; } = null!;
    public RoutedBff Bff { get; private set; } = null!;
    public RoutedBff CloudRunBff { get; private set; } = null!;
    public RoutedBff DownBff { get; private set; } = null!;

    /// <summary>A fresh signal the SSE stand-in waits on between its two events.</summary>
    public TaskCompletionSource NewRelease() => _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async ValueTask InitializeAsync()
    {
        Marketplace = await StandIn.StartAsync("marketplace");
        ApiProxy = await StandIn.StartAsync("api-proxy", app => app.MapGet("/proxy/v1/stream", async (HttpContext context) =>
        {
            var release = _release;
            context.Response.ContentType = "text/event-stream";
            await context.Response.WriteAsync("data: first\n\n", context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
            await release.Task.WaitAsync(context.RequestAborted);
            await context.Response.WriteAsync("data: second\n\n", context.RequestAborted);
        }));
        Bff = new RoutedBff(Marketplace.Url, ApiProxy.Url, cloudRun: false);
        CloudRunBff = new RoutedBff(Marketplace.Url, ApiProxy.Url, cloudRun: true);
        DownBff = new RoutedBff(RefusingUrl(), ApiProxy.Url, cloudRun: false);
    }

    public async ValueTask DisposeAsync()
    {
        _release.TrySetResult();
        await Bff.DisposeAsync();
        await CloudRunBff.DisposeAsync();
        await DownBff.DisposeAsync();
        await Marketplace.DisposeAsync();
        await ApiProxy.DisposeAsync();
    }
}

public sealed class RoutingTests(RoutingFixture fixture) : IClassFixture<RoutingFixture>
{
    [Fact]
    public async Task Marketplace_requests_arrive_unchanged_with_the_users_token()
    {
        using var client = await fixture.Bff.CreateClientForAsync("routing-user");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/marketplace/templates/t1/ratings?x=1&y=two")
        {
            Content = new StringContent("{\"stars\":5}", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("X-Custom", "kept");
        using var response = await client.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var echo = (await response.Content.ReadFromJsonAsync<Echo>(Ct))!;
        Assert.Equal("marketplace", echo.Service);
        Assert.Equal("/v1/marketplace/templates/t1/ratings", echo.Path);
        Assert.Equal("?x=1&y=two", echo.Query);
        Assert.Equal("POST", echo.Method);
        Assert.Equal("{\"stars\":5}", echo.Body);
        Assert.Equal("kept", echo.Headers["X-Custom"]);
        Assert.Equal(client.DefaultRequestHeaders.Authorization!.ToString(), echo.Headers["Authorization"]);
        Assert.False(echo.Headers.ContainsKey(GoogleIdTokenHandler.HeaderName));
    }

    [Fact]
    public async Task Proxy_requests_go_to_the_api_proxy()
    {
        using var client = await fixture.Bff.CreateClientForAsync("routing-user");
        using var response = await client.PutAsync("/proxy/v1/chat?model=gemini", new StringContent("hello"), Ct);

        var echo = (await response.Content.ReadFromJsonAsync<Echo>(Ct))!;
        Assert.Equal("api-proxy", echo.Service);
        Assert.Equal("/proxy/v1/chat", echo.Path);
        Assert.Equal("?model=gemini", echo.Query);
        Assert.Equal("PUT", echo.Method);
        Assert.Equal("hello", echo.Body);
        Assert.StartsWith("Bearer ", echo.Headers["Authorization"]);
    }

    [Theory]
    [InlineData("/v1/marketplace/templates")]
    [InlineData("/proxy/v1/chat")]
    public async Task Anonymous_requests_stop_at_the_bff(string path)
    {
        var marketplaceHits = fixture.Marketplace.Hits;
        var proxyHits = fixture.ApiProxy.Hits;
        using var client = fixture.Bff.CreateClient();

        using var response = await client.GetAsync(path, Ct);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized);
        Assert.Equal(marketplaceHits, fixture.Marketplace.Hits);
        Assert.Equal(proxyHits, fixture.ApiProxy.Hits);
    }

    [Fact]
    public async Task A_client_supplied_serverless_authorization_is_stripped()
    {
        using var client = await fixture.Bff.CreateClientForAsync("routing-user");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/marketplace/templates");
        request.Headers.TryAddWithoutValidation(GoogleIdTokenHandler.HeaderName, "Bearer forged");

        using var response = await client.SendAsync(request, Ct);

        var echo = (await response.Content.ReadFromJsonAsync<Echo>(Ct))!;
        Assert.False(echo.Headers.ContainsKey(GoogleIdTokenHandler.HeaderName));
        Assert.Empty(fixture.Bff.Tokens.Audiences);
    }

    [Fact]
    public async Task On_Cloud_Run_the_bffs_id_token_for_the_target_is_added_and_a_forged_one_replaced()
    {
        using var client = await fixture.CloudRunBff.CreateClientForAsync("routing-user");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/marketplace/templates");
        request.Headers.TryAddWithoutValidation(GoogleIdTokenHandler.HeaderName, "Bearer forged");

        using var marketplace = await client.SendAsync(request, Ct);
        using var proxy = await client.GetAsync("/proxy/v1/models", Ct);

        var toMarketplace = (await marketplace.Content.ReadFromJsonAsync<Echo>(Ct))!;
        var toProxy = (await proxy.Content.ReadFromJsonAsync<Echo>(Ct))!;
        Assert.Equal("Bearer fake-google-id-token-for:" + fixture.Marketplace.Url.TrimEnd('/'), toMarketplace.Headers[GoogleIdTokenHandler.HeaderName]);
        Assert.Equal("Bearer fake-google-id-token-for:" + fixture.ApiProxy.Url.TrimEnd('/'), toProxy.Headers[GoogleIdTokenHandler.HeaderName]);
        // The user's own token still travels in Authorization, for the service to validate.
        Assert.Equal(client.DefaultRequestHeaders.Authorization!.ToString(), toMarketplace.Headers["Authorization"]);
    }

    [Fact]
    public async Task Server_sent_events_arrive_one_by_one()
    {
        var release = fixture.NewRelease();
        using var client = await fixture.Bff.CreateClientForAsync("routing-user");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/proxy/v1/stream");
        // Asking for compression must not make the BFF hold events back.
        request.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue("gzip"));
        request.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue("br"));

        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Empty(response.Content.Headers.ContentEncoding);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(Ct));

        // The stand-in is still waiting for the release, so this line can only come unbuffered.
        Assert.Equal("data: first", await reader.ReadLineAsync(Ct));
        Assert.Equal("", await reader.ReadLineAsync(Ct));
        Assert.False(release.Task.IsCompleted);

        release.SetResult();
        Assert.Equal("data: second", await reader.ReadLineAsync(Ct));
    }

    [Fact]
    public async Task An_unreachable_service_is_a_502_problem()
    {
        using var client = await fixture.DownBff.CreateClientForAsync("routing-user");

        using var response = await client.GetAsync("/v1/marketplace/templates", Ct);

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadGateway, "bad_gateway");
        Assert.Contains("marketplace", problem.GetProperty("detail").GetString());
    }
}
