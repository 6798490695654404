using System.Net.Http.Json;
using System.Text;
using PocketCode.ApiProxy.Tests.Infrastructure;
using PocketCode.Testing;
using Xunit;

namespace PocketCode.ApiProxy.Tests.Security;

/// <summary>
/// The API proxy's authorization matrix (engine: <see cref="AuthorizationMatrixTests{TProgram}"/>).
/// Every route works on the caller's own key, quota and usage: user A makes an AI call first, and user
/// B's calls must neither show nor move A's usage.
/// </summary>
public sealed class ApiProxyAuthorizationMatrixTests(ProxyFactory factory)
    : AuthorizationMatrixTests<Program>(factory), IClassFixture<ProxyFactory>
{
    private const string Prompt = "matrix secret prompt of user a";

    protected override IReadOnlyDictionary<string, (Access Access, string Reason)> AllowedForOtherUsers { get; } =
        new Dictionary<string, (Access, string)>
        {
            ["GET /proxy/whoami"] = (Access.CallerScoped, "the caller's own identity"),
            ["GET /proxy/v1/usage"] = (Access.CallerScoped, "the caller's own usage"),
            ["POST /proxy/ai/generate"] = (Access.CallerScoped, "an AI call on the caller's own key and quota"),
            ["POST /proxy/ai/gemini/v1beta/models/{target}"] = (Access.CallerScoped, "an AI call on the caller's own key and quota"),
            ["POST /proxy/ai/openai/v1/chat/completions"] = (Access.CallerScoped, "an AI call on the caller's own key and quota"),
        };

    protected override async Task SeedAsync(MatrixSeed seed)
    {
        using var call = await seed.Owner.PostAsync("/proxy/ai/gemini/v1beta/models/gemini-2.5-flash:generateContent", Json(
            "{\"contents\":[{\"parts\":[{\"text\":\"" + Prompt + "\"}]}]}"), Ct);
        Assert.True(call.IsSuccessStatusCode, await call.Content.ReadAsStringAsync(Ct));
        seed.Set("target", "gemini-2.5-flash:generateContent");
        seed.Marker(Prompt).Marker(UserA);
    }

    protected override HttpContent? Body(string method, string template, MatrixSeed seed) => template switch
    {
        "/proxy/ai/gemini/v1beta/models/{target}" => Json("""{"contents":[{"parts":[{"text":"hello from b"}]}]}"""),
        "/proxy/ai/openai/v1/chat/completions" => Json("""{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hello from b"}]}"""),
        _ => base.Body(method, template, seed),
    };

    // A's usage counters: B's calls must not move them.
    protected override async Task<string> SnapshotAsync(HttpClient owner, MatrixSeed seed) =>
        await owner.GetStringAsync("/proxy/v1/usage", Ct);

}
