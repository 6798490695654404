using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using PocketCode.Testing;
using Xunit;

namespace PocketCode.Bff.Tests.Credentials;

/// <summary>
/// The BFF on real Kestrel (the in-memory test server enforces no body limits), with the global
/// limit lowered to 8 KB so tests stay small.
/// </summary>
public sealed class SmallBodyLimitKestrelFactory : CapturingServiceFactory
{
    public const int GlobalLimit = 8 * 1024;

    public SmallBodyLimitKestrelFactory()
    {
        Settings["Limits:MaxRequestBodyBytes"] = GlobalLimit.ToString(System.Globalization.CultureInfo.InvariantCulture);
        UseKestrel(0);
    }
}

public sealed class BodyLimitTests(SmallBodyLimitKestrelFactory factory) : IClassFixture<SmallBodyLimitKestrelFactory>
{
    [Fact]
    public async Task Credential_routes_have_their_own_256_KB_limit()
    {
        // Expect: 100-continue keeps the client from racing the server's early answer with an
        // upload it will not read.
        using var client = await factory.CreateExpectContinueClientForAsync("limits-" + Guid.NewGuid().ToString("N")[..8], "limits@example.com");

        // Over the route's limit: refused before the body is read.
        using var over = await SendAsync(client, HttpMethod.Put, "/v1/me/credentials/gemini", ApiKeyBody(300 * 1024));
        await ProblemAssert.IsProblemAsync(over, HttpStatusCode.RequestEntityTooLarge, "payload_too_large");

        // Over the global 8 KB but within the route's 256 KB: the body reaches validation.
        using var midsize = await SendAsync(client, HttpMethod.Put, "/v1/me/credentials/gemini", ApiKeyBody(100 * 1024));
        await ProblemAssert.IsValidationProblemAsync(midsize, "apiKey");

        using var normal = await client.PutAsJsonAsync("/v1/me/credentials/gemini", new { apiKey = "AIzaSy-kestrel-ok-123" }, Ct);
        Assert.Equal(HttpStatusCode.OK, normal.StatusCode);
        Assert.Single((await client.GetFromJsonAsync<JsonElement>("/v1/me/credentials", Ct)).GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task A_profile_patch_over_the_limit_gets_413_with_or_without_a_content_length_and_changes_nothing()
    {
        using var client = await factory.CreateExpectContinueClientForAsync("limits-" + Guid.NewGuid().ToString("N")[..8], "big@example.com");
        var before = await client.GetFromJsonAsync<JsonElement>("/v1/me", Ct);
        var body = "{\"bio\":\"" + new string('x', SmallBodyLimitKestrelFactory.GlobalLimit + 4000) + "\"}";

        using var declared = await SendAsync(client, HttpMethod.Patch, "/v1/me", body);
        await ProblemAssert.IsProblemAsync(declared, HttpStatusCode.RequestEntityTooLarge, "payload_too_large");

        using var chunked = await SendAsync(client, HttpMethod.Patch, "/v1/me", body, chunked: true);
        await ProblemAssert.IsProblemAsync(chunked, HttpStatusCode.RequestEntityTooLarge, "payload_too_large");

        var after = await client.GetFromJsonAsync<JsonElement>("/v1/me", Ct);
        Assert.Equal(before.GetProperty("updatedAt").GetDateTimeOffset(), after.GetProperty("updatedAt").GetDateTimeOffset());
    }

    private static string ApiKeyBody(int length) => "{\"apiKey\":\"" + new string('k', length) + "\"}";

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, HttpMethod method, string url, string body, bool chunked = false)
    {
        HttpContent content = chunked
            ? new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(body)))
            : new StringContent(body, Encoding.UTF8);
        content.Headers.ContentType = new("application/json");
        using var request = new HttpRequestMessage(method, url) { Content = content };
        request.Headers.TransferEncodingChunked = chunked;
        return await client.SendAsync(request, Ct);
    }
}
