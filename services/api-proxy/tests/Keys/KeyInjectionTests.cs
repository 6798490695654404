using System.Net;
using System.Text.Json;
using PocketCode.ApiProxy.Tests.Infrastructure;
using PocketCode.Testing;
using Xunit;
using static PocketCode.ApiProxy.Tests.Infrastructure.ProxyHttp;

namespace PocketCode.ApiProxy.Tests.Keys;

/// <summary>
/// Which key reaches the provider, that the phone's own credentials never do, and that no key
/// comes back in a response, a header or a log line.
/// </summary>
public sealed class KeyInjectionTests(ProxyFactory factory) : IClassFixture<ProxyFactory>
{
    [Fact]
    public async Task Without_an_own_key_the_platform_key_is_sent_in_the_header_and_nothing_of_the_phone_is()
    {
        using var client = await factory.CreateClientForAsync("keys-platform");
        var token = client.DefaultRequestHeaders.Authorization!.Parameter!;
        // A phone that tries to bring a key of its own, in the query and in the header.
        using var request = Post(GeminiPath() + "?key=PHONE-query-key&alt=json", GeminiBody("keys-platform-call"));
        request.Headers.Add("x-goog-api-key", "PHONE-header-key");
        request.Headers.Add("Cookie", "session=PHONE-cookie");

        using var response = await client.SendAsync(request, Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var call = Assert.Single(factory.Provider.CallsWith("keys-platform-call"));
        Assert.Equal("/v1beta/models/gemini-2.5-flash:generateContent", call.Path);
        Assert.Equal("", call.Query);
        Assert.Equal(TestKeys.PlatformGemini, call.Header("x-goog-api-key"));
        Assert.Null(call.Header("Authorization"));
        Assert.Null(call.Header("Cookie"));
        Assert.DoesNotContain(call.Headers, h => h.Value.Contains("PHONE", StringComparison.Ordinal) || h.Value.Contains(token, StringComparison.Ordinal));
        // The body went through byte for byte, unknown members included.
        Assert.Equal(GeminiBody("keys-platform-call"), call.Body);

        // The provider's answer comes back whole (unknown members kept), with its echo of the key removed.
        using var json = JsonDocument.Parse(body);
        Assert.True(json.RootElement.GetProperty("futureField").GetProperty("kept").GetBoolean());
        Assert.Equal(FakeProvider.GeminiAnswer, json.RootElement.GetProperty("candidates")[0].GetProperty("content").GetProperty("parts")[0].GetProperty("text").GetString());
        AssertNoKey(body, response);
        AssertNoKeyInLogs();
    }

    [Fact]
    public async Task A_users_own_gemini_key_is_used_instead_of_the_platform_key()
    {
        await factory.StoreOwnKeyAsync("keys-own", "gemini", TestKeys.UserGemini("keys-own"));
        using var client = await factory.CreateClientForAsync("keys-own");

        using var response = await client.SendAsync(Post(GeminiPath(), GeminiBody("keys-own-call")), Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var call = Assert.Single(factory.Provider.CallsWith("keys-own-call"));
        Assert.Equal(TestKeys.UserGemini("keys-own"), call.Header("x-goog-api-key"));
        AssertNoKey(body, response);

        // Another user without a key of their own still gets the platform key, never this one.
        using var other = await factory.CreateClientForAsync("keys-own-neighbour");
        using var second = await other.SendAsync(Post(GeminiPath(), GeminiBody("keys-own-neighbour-call")), Ct);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(TestKeys.PlatformGemini, Assert.Single(factory.Provider.CallsWith("keys-own-neighbour-call")).Header("x-goog-api-key"));
        AssertNoKeyInLogs();
    }

    [Fact]
    public async Task An_own_openai_key_goes_as_the_bearer_token_to_the_users_base_url_and_the_firebase_token_never_does()
    {
        await factory.StoreOwnKeyAsync("keys-openai", "openai", TestKeys.UserOpenAi("keys-openai"));
        using var client = await factory.CreateClientForAsync("keys-openai");
        var token = client.DefaultRequestHeaders.Authorization!.Parameter!;
        const string body = """{"model":"gpt-4o-mini","messages":[{"role":"user","content":"keys-openai-call"}],"temperature":0.1,"vendor_extension":{"x":1}}""";

        using var response = await client.SendAsync(Post("/proxy/ai/openai/v1/chat/completions", body), Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var call = Assert.Single(factory.Provider.CallsWith("keys-openai-call"));
        Assert.Equal("/v1/chat/completions", call.Path);
        Assert.Equal("Bearer " + TestKeys.UserOpenAi("keys-openai"), call.Header("Authorization"));
        Assert.DoesNotContain(token, string.Join("\n", call.Headers.Values), StringComparison.Ordinal);
        Assert.Equal(body, call.Body);
        Assert.Contains("\"choices\"", text, StringComparison.Ordinal);
        AssertNoKey(text, response);
        AssertNoKeyInLogs();
    }

    [Fact]
    public async Task A_user_with_neither_an_own_nor_a_platform_key_gets_a_403_problem_and_nothing_is_sent()
    {
        // This deployment has no platform key for the OpenAI-compatible provider.
        using var client = await factory.CreateClientForAsync("keys-none");
        var before = factory.Provider.Calls.Count;

        using var response = await client.SendAsync(Post("/proxy/ai/openai/v1/chat/completions", """{"model":"gpt-4o-mini","messages":[]}"""), Ct);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Forbidden, "ai_key_missing");
        Assert.Equal(before, factory.Provider.Calls.Count);
    }

    [Fact]
    public async Task The_simple_generate_call_becomes_a_gemini_request_with_the_prompt_as_user_content()
    {
        using var client = await factory.CreateClientForAsync("keys-generate");

        using var response = await client.SendAsync(Post("/proxy/ai/generate", """{"model":"gemini-2.5-flash","prompt":"keys-generate-call","generationConfig":{"maxOutputTokens":64},"safetySettings":[]}"""), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var call = Assert.Single(factory.Provider.CallsWith("keys-generate-call"));
        Assert.Equal("/v1beta/models/gemini-2.5-flash:generateContent", call.Path);
        using var sent = JsonDocument.Parse(call.Body);
        Assert.Equal("keys-generate-call", sent.RootElement.GetProperty("contents")[0].GetProperty("parts")[0].GetProperty("text").GetString());
        Assert.Equal("user", sent.RootElement.GetProperty("contents")[0].GetProperty("role").GetString());
        Assert.Equal(64, sent.RootElement.GetProperty("generationConfig").GetProperty("maxOutputTokens").GetInt32());
        Assert.True(sent.RootElement.TryGetProperty("safetySettings", out _));
        Assert.False(sent.RootElement.TryGetProperty("model", out _));
        Assert.False(sent.RootElement.TryGetProperty("prompt", out _));
        Assert.Equal(TestKeys.PlatformGemini, call.Header("x-goog-api-key"));
    }

    [Theory]
    [InlineData("/proxy/ai/generate", """{"prompt":"no model"}""")]
    [InlineData("/proxy/ai/generate", """{"model":"../etc","prompt":"x"}""")]
    [InlineData("/proxy/ai/generate", """{"model":"gemini-2.5-flash"}""")]
    [InlineData("/proxy/ai/generate", """{"model":"gemini-2.5-flash","prompt":"x","contents":[{"parts":[{"text":"y"}]}]}""")]
    [InlineData("/proxy/ai/generate", """{"model":"gemini-2.5-flash","prompt":"x","provider":"other"}""")]
    [InlineData("/proxy/ai/generate", """[1,2]""")]
    [InlineData("/proxy/ai/gemini/v1beta/models/gemini-2.5-flash:generateContent", """not json""")]
    [InlineData("/proxy/ai/openai/v1/chat/completions", """{"messages":[]}""")]
    public async Task Bad_input_is_a_400_problem_and_reaches_no_provider(string path, string body)
    {
        using var client = await factory.CreateClientForAsync("keys-bad-input");
        var before = factory.Provider.Calls.Count;

        using var response = await client.SendAsync(Post(path, body), Ct);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "validation_failed");
        Assert.Equal(before, factory.Provider.Calls.Count);
    }

    [Fact]
    public async Task An_unknown_gemini_method_is_a_404_problem()
    {
        using var client = await factory.CreateClientForAsync("keys-bad-method");

        using var response = await client.SendAsync(Post(GeminiPath(method: "deleteEverything"), "{}"), Ct);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task Count_tokens_and_embed_content_pass_through()
    {
        using var client = await factory.CreateClientForAsync("keys-other-methods");

        using var count = await client.SendAsync(Post(GeminiPath(method: "countTokens"), GeminiBody("keys-count")), Ct);
        using var embed = await client.SendAsync(Post(GeminiPath("text-embedding-004", "embedContent"), """{"content":{"parts":[{"text":"keys-embed"}]}}"""), Ct);

        Assert.Equal("""{"totalTokens":4}""", await count.Content.ReadAsStringAsync(Ct));
        Assert.Contains("embedding", await embed.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Equal("/v1beta/models/text-embedding-004:embedContent", Assert.Single(factory.Provider.CallsWith("keys-embed")).Path);
    }

    [Fact]
    public async Task Without_a_token_the_proxy_answers_401_and_calls_no_provider()
    {
        using var anonymous = factory.CreateClient();
        var before = factory.Provider.Calls.Count;

        using var response = await anonymous.SendAsync(Post(GeminiPath(), GeminiBody("keys-anonymous")), Ct);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized, "unauthorized");
        Assert.Equal(before, factory.Provider.Calls.Count);
    }

    private static readonly string[] AllKeys =
    [
        TestKeys.PlatformGemini, TestKeys.UserGemini("keys-own"), TestKeys.UserOpenAi("keys-openai"),
    ];

    private static void AssertNoKey(string body, HttpResponseMessage response)
    {
        var headers = string.Join("\n", response.Headers.Concat(response.Content.Headers).Select(h => h.Key + ": " + string.Join(",", h.Value)));
        foreach (var key in AllKeys)
        {
            Assert.DoesNotContain(key, body, StringComparison.Ordinal);
            Assert.DoesNotContain(key, headers, StringComparison.Ordinal);
        }
    }

    private void AssertNoKeyInLogs()
    {
        Assert.NotEmpty(factory.Logs.Lines);
        foreach (var line in factory.Logs.Lines)
        {
            foreach (var key in AllKeys)
            {
                Assert.DoesNotContain(key, line, StringComparison.Ordinal);
            }
        }
    }
}
