using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using PocketCode.Storage.PubSub;
using PocketCode.Storage.Queues;
using PocketCode.Testing;
using Xunit;

namespace PocketCode.Storage.Tests.Queues;

/// <summary>
/// The push endpoints' token check, against a local OIDC issuer standing in for Google: only a
/// token signed by the issuer, for exactly this endpoint's URL, of the push service account, with a
/// verified email and not expired gets an item to its handler. Every refusal is a 401 that runs no
/// handler.
/// </summary>
public sealed class PushTokenTests : IAsyncLifetime
{
    private const string PushAccount = "queue-push@demo-pocketcode.iam.gserviceaccount.com";
    private const string Queue = "builds";
    private static readonly Uri PublicBase = new("https://bff.example.test/");

    private readonly RecordingHandler _handler = new();
    private readonly RecordingHandler _otherHandler = new();
    private readonly RecordingHandler _deadLetters = new();
    private OidcIssuer? _issuer;
    private WebApplication? _app;
    private HttpClient? _client;

    private OidcIssuer Issuer => _issuer!;

    private HttpClient Client => _client!;

    public async ValueTask InitializeAsync()
    {
        _issuer = await OidcIssuer.StartAsync("push-key");
        var options = new WorkQueueOptions
        {
            Kind = WorkQueueKind.PubSub,
            TopicPrefix = "unused-",
            EmulatorHost = "127.0.0.1:9", // Never called: these tests only push.
            PushAudienceBase = PublicBase,
            PushServiceAccount = PushAccount,
            PushTokenIssuer = new Uri(_issuer.BaseUrl),
        };
        _app = PushService.Create(options, services => services
            .AddWorkHandler(Queue, _handler)
            .AddDeadLetterHandler(Queue, _deadLetters)
            .AddWorkHandler("notifications", _otherHandler));
        await _app.StartAsync(Ct);
        _client = new HttpClient { BaseAddress = new Uri(_app.Urls.First()) };
    }

    public async ValueTask DisposeAsync()
    {
        _client?.Dispose();
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }

        if (_issuer is not null)
        {
            await _issuer.DisposeAsync();
        }
    }

    private Dictionary<string, object?> Claims(string path = "internal/queues/builds") => new()
    {
        ["iss"] = Issuer.BaseUrl,
        ["aud"] = new Uri(PublicBase, path).ToString(),
        ["email"] = PushAccount,
        ["email_verified"] = true,
        ["sub"] = "113774264463038321964",
        ["iat"] = DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeSeconds(),
        ["exp"] = DateTimeOffset.UtcNow.AddMinutes(59).ToUnixTimeSeconds(),
    };

    private static string PushBody(string id) =>
        $$"""{"message":{"data":"{{Convert.ToBase64String(Encoding.UTF8.GetBytes("payload " + id))}}","attributes":{"{{PubSubNames.IdAttribute}}":"{{id}}","build":"b-1"},"messageId":"m-{{id}}","publishTime":"2026-12-08T01:00:00Z"},"subscription":"projects/demo-pocketcode/subscriptions/builds-push"}""";

    private Task<HttpResponseMessage> PushAsync(string? token, string path = "/internal/queues/builds", string? body = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body ?? PushBody("item-1"), Encoding.UTF8, "application/json") };
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return Client.SendAsync(request, Ct);
    }

    [Fact]
    public async Task Valid_push_token_delivers_the_item_and_acknowledges()
    {
        using var response = await PushAsync(Issuer.Sign(Claims()));

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        var item = Assert.Single(_handler.Deliveries);
        Assert.Equal("item-1", item.Id);
        Assert.Equal("payload item-1", Encoding.UTF8.GetString(item.Payload.Span));
        Assert.Equal(new Dictionary<string, string> { ["build"] = "b-1" }, item.Attributes);
    }

    [Fact]
    public async Task Dead_letter_push_needs_a_token_for_the_dead_letter_endpoint()
    {
        using var wrongAudience = await PushAsync(Issuer.Sign(Claims()), "/internal/queues/builds-dead-letter");
        using var right = await PushAsync(Issuer.Sign(Claims("internal/queues/builds-dead-letter")), "/internal/queues/builds-dead-letter");

        Assert.Equal(HttpStatusCode.Unauthorized, wrongAudience.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, right.StatusCode);
        Assert.Equal("item-1", Assert.Single(_deadLetters.Deliveries).Id);
        Assert.Empty(_handler.Deliveries);
    }

    public static TheoryData<string> Refusals() =>
    [
        "no token", "not a bearer", "other audience", "other queue's audience", "other account", "unverified email",
        "no email", "expired", "other issuer", "foreign key", "unknown key id", "alg none", "hs256 with public key",
    ];

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task Push_without_a_valid_token_of_the_push_account_is_refused_and_runs_nothing(string refusal)
    {
        using var foreignKey = RSA.Create(2048);
        var claims = Claims();
        string? token = Issuer.Sign(claims);
        switch (refusal)
        {
            case "no token": token = null; break;
            case "other audience": claims["aud"] = "https://bff.example.test/other"; token = Issuer.Sign(claims); break;
            case "other queue's audience": claims["aud"] = new Uri(PublicBase, "internal/queues/notifications").ToString(); token = Issuer.Sign(claims); break;
            case "other account": claims["email"] = "someone@demo-pocketcode.iam.gserviceaccount.com"; token = Issuer.Sign(claims); break;
            case "unverified email": claims["email_verified"] = false; token = Issuer.Sign(claims); break;
            case "no email": claims.Remove("email"); token = Issuer.Sign(claims); break;
            case "expired": claims["iat"] = DateTimeOffset.UtcNow.AddHours(-2).ToUnixTimeSeconds(); claims["exp"] = DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeSeconds(); token = Issuer.Sign(claims); break;
            case "other issuer": claims["iss"] = "https://accounts.example.test"; token = Issuer.Sign(claims); break;
            case "foreign key": token = Issuer.Sign(claims, foreignKey); break;
            case "unknown key id": token = Issuer.Sign(claims, foreignKey, kid: "rotated-away"); break;
            case "alg none": token = OidcIssuer.UnsignedToken(claims); break;
            case "hs256 with public key": token = Issuer.SignHs256WithPublicKey(claims); break;
        }

        using var response = refusal == "not a bearer"
            ? await Client.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/internal/queues/builds") { Headers = { Authorization = new AuthenticationHeaderValue("Basic", token) }, Content = new StringContent(PushBody("item-1")) }, Ct)
            : await PushAsync(token);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Empty(_handler.Deliveries);
        Assert.Empty(_otherHandler.Deliveries);
        if (token is not null)
        {
            Assert.DoesNotContain(token, await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Token_of_one_queue_cannot_deliver_to_another()
    {
        using var response = await PushAsync(Issuer.Sign(Claims()), "/internal/queues/notifications");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Empty(_otherHandler.Deliveries);
    }

    [Fact]
    public async Task Unknown_queue_is_404_and_a_body_that_is_not_a_push_is_400()
    {
        using var unknown = await PushAsync(Issuer.Sign(Claims("internal/queues/nothing-here")), "/internal/queues/nothing-here");
        using var notJson = await PushAsync(Issuer.Sign(Claims()), body: "{not json");
        using var noMessage = await PushAsync(Issuer.Sign(Claims()), body: """{"subscription":"x"}""");

        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, notJson.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, noMessage.StatusCode);
        Assert.Empty(_handler.Deliveries);
    }

    [Fact]
    public async Task Failing_handler_answers_5xx_so_pub_sub_redelivers()
    {
        var failing = new RecordingHandler((_, _, _) => throw new InvalidOperationException("secret-ish detail"));
        await using var app = PushService.Create(
            new WorkQueueOptions { Kind = WorkQueueKind.PubSub, TopicPrefix = "unused-", EmulatorHost = "127.0.0.1:9", PushAuthenticationDisabled = true },
            services => services.AddWorkHandler(Queue, failing));
        await app.StartAsync(Ct);
        using var client = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };

        using var response = await client.PostAsync("/internal/queues/builds", new StringContent(PushBody("item-2"), Encoding.UTF8, "application/json"), Ct);

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal(1, failing.AttemptsOf("item-2"));
        Assert.DoesNotContain("secret-ish", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }
}
