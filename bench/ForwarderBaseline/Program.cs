using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using PocketCode.Platform;

// The least a .NET forwarder does for one Gemini generateContent call: read the body, send it with
// the key in a header, copy the answer back. No rate limit, resilience, cache, usage record or
// middleware: the floor the API proxy's throughput is compared with (bench/ApiProxy.Bench
// --baseline, docs/benchmarks.md "API proxy").
//
// With BASELINE_AUTH=jwt it also does the least any PocketCode service must (DESIGN.md, "Identity and
// trust": every service validates the user's token itself): ASP.NET Core's JwtBearer validates the
// caller's Firebase token (the emulator's unsigned format the bench sends, for GOOGLE_CLOUD_PROJECT),
// answered from the platform's ValidatedTokenCache after the first time as in the services, and an
// authenticated-user fallback policy refuses anonymous calls. That row is the floor for a proxy
// that authenticates its callers.
//
//   UPSTREAM_URL=http://127.0.0.1:PORT ASPNETCORE_URLS=http://127.0.0.1:PORT2 [BASELINE_AUTH=jwt GOOGLE_CLOUD_PROJECT=ID] ForwarderBaseline
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
var upstream = builder.Configuration["UPSTREAM_URL"] ?? throw new InvalidOperationException("UPSTREAM_URL is not set: the stand-in provider's address.");
var key = builder.Configuration["GEMINI_API_KEY"] ?? "";
var authenticate = builder.Configuration["BASELINE_AUTH"] == "jwt";
if (authenticate)
{
    var project = builder.Configuration["GOOGLE_CLOUD_PROJECT"] ?? throw new InvalidOperationException("GOOGLE_CLOUD_PROJECT is not set: BASELINE_AUTH=jwt validates tokens of that project.");
    var auth = new AuthOptions();
    var tokenCache = new ValidatedTokenCache(Options.Create(auth));
    builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer(o =>
    {
        o.MapInboundClaims = false;
        for (var i = 0; i < o.TokenHandlers.Count; i++)
        {
            o.TokenHandlers[i] = tokenCache.Wrap(o.TokenHandlers[i]);
        }

        o.TokenValidationParameters = new TokenValidationParameters
        {
            ValidIssuer = auth.Issuer(project),
            ValidAudience = project,
            RequireExpirationTime = true,
            // The emulator's tokens carry no signature (what the proxy accepts in emulator mode).
            RequireSignedTokens = false,
            SignatureValidator = (token, _) => new JsonWebToken(token),
        };
    });
    builder.Services.AddAuthorizationBuilder().SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build());
}

var app = builder.Build();
if (authenticate)
{
    app.UseAuthentication();
    app.UseAuthorization();
}

using var client = new HttpClient(new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false }) { BaseAddress = new Uri(upstream) };

app.MapPost("/proxy/ai/gemini/v1beta/models/{target}", async (HttpContext http, string target) =>
{
    var body = new byte[http.Request.ContentLength ?? 0];
    await http.Request.Body.ReadExactlyAsync(body, http.RequestAborted);
    using var request = new HttpRequestMessage(HttpMethod.Post, "/v1beta/models/" + target) { Content = new ByteArrayContent(body) };
    request.Content.Headers.ContentType = new("application/json");
    request.Headers.TryAddWithoutValidation("x-goog-api-key", key);
    using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, http.RequestAborted);
    var answer = await response.Content.ReadAsByteArrayAsync(http.RequestAborted);
    http.Response.StatusCode = (int)response.StatusCode;
    http.Response.ContentType = response.Content.Headers.ContentType?.ToString();
    http.Response.ContentLength = answer.Length;
    await http.Response.Body.WriteAsync(answer, http.RequestAborted);
});
app.MapGet("/health/live", () => "ok").AllowAnonymous();

app.Run();
