using System.Text;
using PocketCode.Platform.Tests.Infrastructure;
using PocketCode.Testing;

namespace PocketCode.Platform.Tests;

/// <summary>
/// Bad bodies on a real socket to real Kestrel: every one gets a complete problem response, and
/// the connection afterwards is either closed after a <c>Connection: close</c> that said so, or still
/// answers the next request. A close the response did not announce races the client's next request
/// on the pooled connection ("the response ended prematurely"), which is how
/// <c>ProblemDetailsTests.Malformed_json_is_400_bad_request</c> failed one run in a few: it followed
/// the 413 test on the same client.
/// </summary>
public sealed class ConnectionBehaviourTests(SignedTokenFixture fixture) : IClassFixture<SignedTokenFixture>
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static readonly byte[] Oversized = Encoding.UTF8.GetBytes($$"""{"name":"{{new string('x', 2000)}}","count":1}""");

    public static TheoryData<string, int, string> BadBodies() => new()
    {
        { "malformed", 400, ProblemCodes.BadRequest },
        { "truncated document", 400, ProblemCodes.BadRequest },
        { "wrong type", 400, ProblemCodes.BadRequest },
        { "not json", 400, ProblemCodes.BadRequest },
        { "empty", 400, ProblemCodes.BadRequest },
        { "oversized, declared and sent", 413, ProblemCodes.PayloadTooLarge },
        { "oversized, declared, not sent", 413, ProblemCodes.PayloadTooLarge },
        { "oversized, chunked", 413, ProblemCodes.PayloadTooLarge },
        { "bad chunk framing", 400, ProblemCodes.BadRequest },
        { "bad chunk framing, read by the handler", 400, ProblemCodes.BadRequest },
        { "oversized, chunked, read by the handler", 413, ProblemCodes.PayloadTooLarge },
        { "shorter than declared, then silence", 408, ProblemCodes.RequestTimeout },
    };

    private byte[] Request(string body)
    {
        var token = fixture.Issuer.Sign(fixture.Issuer.ValidClaims());
        byte[] Post(string? json = null, byte[]? bytes = null, long? declaredLength = null, bool chunked = false) =>
            RawHttpRequest.Build("POST", "/v1/echo", token, "application/json",
                bytes ?? (json is null ? null : Encoding.UTF8.GetBytes(json)), declaredLength, chunked);
        return body switch
        {
            "malformed" => Post("""{"name": "a", """),
            "truncated document" => Post("""{"name":"ab"""),
            "wrong type" => Post("""{"name":"a","count":"many"}"""),
            "not json" => Post("hello"),
            "empty" => Post(declaredLength: 0),
            "oversized, declared and sent" => Post(bytes: Oversized),
            "oversized, declared, not sent" => Post(declaredLength: Oversized.Length),
            "oversized, chunked" => Post(bytes: Oversized, chunked: true),
            "bad chunk framing, read by the handler" => WithBadChunk(RawHttpRequest.Build("POST", "/v1/upload", token, "application/octet-stream", chunked: true)),
            "oversized, chunked, read by the handler" => RawHttpRequest.Build("POST", "/v1/upload", token, "application/octet-stream", Oversized, chunked: true),
            "bad chunk framing" => WithBadChunk(Post(chunked: true)),
            "shorter than declared, then silence" => Post("""{"name":"a","cou""", declaredLength: 100),
            _ => throw new ArgumentOutOfRangeException(nameof(body), body, null),
        };

        // An empty chunked body ends in "0\r\n\r\n"; a chunk whose size is not hex goes first.
        static byte[] WithBadChunk(byte[] emptyChunked) => [.. emptyChunked.SkipLast(5), .. "zz\r\nabc\r\n0\r\n\r\n"u8];
    }

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task A_bad_body_gets_a_complete_problem_and_the_connection_is_closed_only_when_announced(string body, int status, string code)
    {
        await using var connection = await RawHttpConnection.OpenAsync(fixture.App.BaseAddress, Cancel);

        var exchange = await connection.ExchangeAsync(Request(body), Cancel);

        Assert.True(exchange.Outcome == RawHttpOutcome.Answered, $"{body}: {exchange.Outcome} ({exchange.Detail})");
        var response = exchange.Response!;
        Assert.Equal(status, response.Status);
        Assert.Equal("application/problem+json", response.Header("Content-Type"));
        using var problem = System.Text.Json.JsonDocument.Parse(response.Body);
        Assert.Equal(code, problem.RootElement.GetProperty("code").GetString());
        Assert.False(string.IsNullOrEmpty(problem.RootElement.GetProperty("detail").GetString()), $"{body}: no detail");

        if (response.AnnouncesClose)
        {
            Assert.True(await connection.ClosedByServerWithinAsync(TimeSpan.FromSeconds(30), Cancel),
                $"{body}: the response said Connection: close, yet the server kept the connection open");
        }
        else
        {
            var next = await connection.ExchangeAsync(RawHttpRequest.Build("GET", "/health/live"), Cancel);
            Assert.True(next.Outcome == RawHttpOutcome.Answered && next.Response!.Status == 200,
                $"{body}: the {status} kept the connection open (no Connection: close), but the next request on it got {next.Outcome} ({next.Detail})");
        }
    }

    [Fact]
    public async Task A_good_body_keeps_the_connection_for_the_next_request()
    {
        await using var connection = await RawHttpConnection.OpenAsync(fixture.App.BaseAddress, Cancel);
        var token = fixture.Issuer.Sign(fixture.Issuer.ValidClaims());

        for (var i = 0; i < 3; i++)
        {
            var exchange = await connection.ExchangeAsync(
                RawHttpRequest.Build("POST", "/v1/echo", token, "application/json", """{"name":"a","count":2}"""u8.ToArray()), Cancel);

            Assert.Equal(RawHttpOutcome.Answered, exchange.Outcome);
            Assert.Equal(200, exchange.Response!.Status);
            Assert.False(exchange.Response.AnnouncesClose);
        }
    }

    [Fact]
    public async Task While_the_server_stops_every_connection_is_answered_whole_or_refused_before_a_byte()
    {
        // The proxy's shutdown probe met a reset one run in a few: a closing server refuses a new
        // connection by closing or resetting it before it answers (it sat in the listen backlog, or
        // was accepted but will serve no more requests), or because nothing listens any more. What it
        // must never do is start an answer and cut it short. Here on real Kestrel, many times over.
        await using var app = await TestApp.StartAsync("Development");
        var request = RawHttpRequest.Build("GET", "/v1/public");
        var idle = new List<RawHttpConnection>();
        for (var i = 0; i < 8; i++)
        {
            idle.Add(await RawHttpConnection.OpenAsync(app.BaseAddress, Cancel));
        }

        var outcomes = new System.Collections.Concurrent.ConcurrentBag<RawHttpExchange>();
        using var probing = CancellationTokenSource.CreateLinkedTokenSource(Cancel);
        var probes = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            while (!probing.IsCancellationRequested)
            {
                var exchange = await RawHttpConnection.ExchangeAsync(app.BaseAddress, request, Cancel);
                outcomes.Add(exchange);
                if (exchange.Outcome == RawHttpOutcome.ConnectionRefused)
                {
                    return;
                }
            }
        }, Cancel)).ToList();

        // Probes are under way; then the server stops while they go on, and the idle connections
        // opened before the stop send their requests into it.
        while (outcomes.IsEmpty)
        {
            await Task.Delay(10, Cancel);
        }

        var stopping = app.App.StopAsync(Cancel);
        foreach (var connection in idle)
        {
            outcomes.Add(await connection.ExchangeAsync(request, Cancel));
            await connection.DisposeAsync();
        }

        await stopping;
        await Task.WhenAll(probes).WaitAsync(TimeSpan.FromSeconds(60), Cancel);

        Assert.All(outcomes, exchange =>
        {
            Assert.True(exchange.Outcome != RawHttpOutcome.CutShort, "an answer was cut short: " + exchange.Detail);
            if (exchange.Outcome == RawHttpOutcome.Answered)
            {
                Assert.Equal(200, exchange.Response!.Status);
                Assert.Contains("\"hello\":\"world\"", exchange.Response.Text, StringComparison.Ordinal);
            }
        });
        Assert.Contains(outcomes, exchange => exchange.Outcome == RawHttpOutcome.ConnectionRefused);
    }
}
