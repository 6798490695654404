using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using PocketCode.Storage.Documents;
using PocketCode.Storage.Firestore;
using Xunit;
using PocketCode.Testing;

namespace PocketCode.Storage.Tests.Firestore;

/// <summary>
/// The production Firestore token source against a real HTTP server on 127.0.0.1 standing in for
/// the Cloud Run metadata server (its address given the way GCE_METADATA_HOST gives it).
/// </summary>
public sealed class MetadataServerTokenSourceTests : IAsyncLifetime
{
    private const string TokenPath = "/computeMetadata/v1/instance/service-accounts/default/token";

    private readonly ConcurrentQueue<(string Path, string? Flavor)> _requests = new();
    private WebApplication _server = null!;
    private int _issued;

    /// <summary>Lifetime in seconds of the tokens the stand-in hands out; negative = answer 404.</summary>
    private int _expiresIn = 3599;

    private string Host => new Uri(_server.Urls.First()).Authority;

    public async ValueTask InitializeAsync()
    {
        _server = LoopbackServer.Create();
        _server.Run(async context =>
        {
            _requests.Enqueue((context.Request.Path.Value ?? "", context.Request.Headers["Metadata-Flavor"].ToString()));
            if (context.Request.Path != TokenPath || context.Request.Headers["Metadata-Flavor"] != "Google" || _expiresIn < 0)
            {
                context.Response.StatusCode = 404;
                return;
            }

            var number = Interlocked.Increment(ref _issued);
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync($$"""{"access_token":"ya29.token-{{number}}","expires_in":{{_expiresIn}},"token_type":"Bearer"}""");
        });
        await _server.StartAsync();
    }

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task The_token_comes_from_the_metadata_server_and_is_reused_until_it_nears_expiry()
    {
        using var source = new MetadataServerTokenSource(Host);

        var first = await source.GetAccessTokenAsync(TestContext.Current.CancellationToken);
        var again = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => source.GetAccessTokenAsync(TestContext.Current.CancellationToken).AsTask()));

        Assert.Equal("ya29.token-1", first);
        Assert.All(again, token => Assert.Equal("ya29.token-1", token));
        var request = Assert.Single(_requests);
        Assert.Equal(TokenPath, request.Path);
        Assert.Equal("Google", request.Flavor);
    }

    [Fact]
    public async Task A_token_that_is_about_to_expire_is_fetched_again()
    {
        _expiresIn = 0;
        using var source = new MetadataServerTokenSource(Host);

        var first = await source.GetAccessTokenAsync(TestContext.Current.CancellationToken);
        var second = await source.GetAccessTokenAsync(TestContext.Current.CancellationToken);

        Assert.Equal("ya29.token-1", first);
        Assert.Equal("ya29.token-2", second);
    }

    [Fact]
    public async Task A_refusal_is_a_document_store_error_and_the_next_call_tries_again()
    {
        _expiresIn = -1;
        using var source = new MetadataServerTokenSource(Host);

        var error = await Assert.ThrowsAsync<DocumentStoreException>(() => source.GetAccessTokenAsync(TestContext.Current.CancellationToken).AsTask());
        Assert.Contains("HTTP 404", error.Message, StringComparison.Ordinal);

        _expiresIn = 3599;
        Assert.Equal("ya29.token-1", await source.GetAccessTokenAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task An_unreachable_metadata_server_is_a_document_store_error()
    {
        var closed = Host;
        await _server.StopAsync(TestContext.Current.CancellationToken);
        using var source = new MetadataServerTokenSource(closed);

        await Assert.ThrowsAsync<DocumentStoreException>(() => source.GetAccessTokenAsync(TestContext.Current.CancellationToken).AsTask());
    }
}
