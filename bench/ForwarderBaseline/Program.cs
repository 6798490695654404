// The least a .NET forwarder does for one Gemini generateContent call: read the body, send it with
// the key in a header, copy the answer back. No authentication, rate limit, resilience, cache,
// usage record or middleware: the floor the API proxy's throughput is compared with
// (bench/ApiProxy.Bench --baseline, docs/benchmarks.md "API proxy").
//
//   UPSTREAM_URL=http://127.0.0.1:PORT ASPNETCORE_URLS=http://127.0.0.1:PORT2 ForwarderBaseline
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
var upstream = builder.Configuration["UPSTREAM_URL"] ?? throw new InvalidOperationException("UPSTREAM_URL is not set: the stand-in provider's address.");
var key = builder.Configuration["GEMINI_API_KEY"] ?? "";
var app = builder.Build();
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
app.MapGet("/health/live", () => "ok");

app.Run();
