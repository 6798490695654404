using System.Buffers.Text;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CsCheck;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace PocketCode.Testing;

/// <summary>
/// The authorization matrix: every operation of a service's OpenAPI document is called with no
/// token, an expired token, a token of another Firebase project, and user B's token on user A's
/// resources (ids seeded through the API by <see cref="SeedAsync"/>). New routes are covered
/// automatically, and the document is compared with the app's endpoints so a route missing from it
/// cannot hide. Each service derives one small class that seeds its resources and lists, with a
/// reason, the routes that are legitimately readable by any signed-in user or scoped to the caller.
/// </summary>
public abstract class AuthorizationMatrixTests<TProgram>(ServiceFactory<TProgram> factory)
    where TProgram : class
{
    /// <summary>Routes every service maps outside its document (health probes, dev tokens, the document itself).</summary>
    private static readonly Dictionary<string, string> PlatformUndocumented = new(StringComparer.Ordinal)
    {
        ["* /health/live"] = "liveness probe (any method), anonymous by design, returns no data",
        ["* /health/ready"] = "readiness probe (any method), anonymous by design, returns only check names",
        ["POST /dev/tokens"] = "Development-only token minting (not mapped outside Development)",
        ["GET /openapi/{documentName}.json"] = "the document itself",
        ["GET /blobs/{bucket}/{name}"] = "local blob store's signed-URL download (embedded mode only): the URL's signature is the credential",
        ["PUT /blobs/{bucket}/{name}"] = "local blob store's signed-URL upload (embedded mode only): the URL's signature is the credential",
    };

    /// <summary>Development-only pages (the Scalar API reference and its scripts).</summary>
    private static readonly string[] PlatformUndocumentedPrefixes = ["/scalar"];

    protected const string UserA = "matrix-user-a";
    protected const string UserB = "matrix-user-b";

    protected ServiceFactory<TProgram> Factory => factory;

    /// <summary>
    /// Creates user A's resources through the API and registers their ids (by route parameter,
    /// optionally per path prefix) and marker strings that must never reach user B.
    /// </summary>
    protected abstract Task SeedAsync(MatrixSeed seed);

    /// <summary>
    /// Operations ("METHOD /template") that user B may call with a 2xx: value = why. A
    /// <see cref="Access.PublicRead"/> one may show A's public data; a <see cref="Access.CallerScoped"/> one
    /// works on the caller's own data and must not show A's markers. Either way A's snapshot must not change.
    /// </summary>
    protected virtual IReadOnlyDictionary<string, (Access Access, string Reason)> AllowedForOtherUsers { get; } =
        new Dictionary<string, (Access, string)>();

    /// <summary>
    /// Operations that are anonymous because another credential protects them (a webhook
    /// signature, a per-build token): value = why. Without that credential they must still fail.
    /// </summary>
    protected virtual IReadOnlyDictionary<string, string> AnonymousOperations { get; } = new Dictionary<string, string>();

    /// <summary>
    /// Operations that call another service the test does not run (value = which): in the random-body
    /// test a body valid enough to reach it may get that service's 502/503/504 problem.
    /// </summary>
    protected virtual IReadOnlyDictionary<string, string> DependentOperations { get; } = new Dictionary<string, string>();

    /// <summary>Mapped endpoints deliberately left out of the document ("METHOD /template" → why).</summary>
    protected virtual IReadOnlyDictionary<string, string> Undocumented { get; } = new Dictionary<string, string>();

    /// <summary>Path prefixes of endpoints routed elsewhere (reverse proxy routes), skipped by the document check.</summary>
    protected virtual IReadOnlyList<string> ForwardedPrefixes { get; } = [];

    /// <summary>A body for a write operation: one the service would accept from the owner, so a refusal is about access, not validation.</summary>
    protected virtual HttpContent? Body(string method, string template, MatrixSeed seed) =>
        new StringContent("{}", Encoding.UTF8, "application/json");

    /// <summary>What user A owns, read as A: must be the same after user B's pass.</summary>
    protected virtual Task<string> SnapshotAsync(HttpClient owner, MatrixSeed seed) => Task.FromResult("");

    public enum Access
    {
        PublicRead,
        CallerScoped,
    }

    [Fact]
    public async Task Every_operation_refuses_a_missing_an_expired_and_a_foreign_project_token()
    {
        var operations = await OperationsAsync();
        var seed = await SeededAsync();
        var valid = await factory.MintTokenAsync(UserA);
        var tokens = new (string Name, string? Token)[]
        {
            ("no token", null),
            ("expired token", Rewrite(valid, payload =>
            {
                var past = DateTimeOffset.UtcNow.AddHours(-3).ToUnixTimeSeconds();
                payload["iat"] = past;
                payload["auth_time"] = past;
                payload["exp"] = past + 3600;
            })),
            ("another project's token", Rewrite(valid, payload =>
            {
                payload["aud"] = "demo-someone-else";
                payload["iss"] = payload["iss"]!.GetValue<string>().Replace(factory.ProjectId, "demo-someone-else", StringComparison.Ordinal);
            })),
        };

        var failures = new List<string>();
        using var client = factory.CreateClient();
        foreach (var (method, template) in operations)
        {
            var anonymous = AnonymousOperations.ContainsKey(Key(method, template));
            foreach (var (name, token) in tokens)
            {
                using var response = await SendAsync(client, method, template, seed, token);
                var status = (int)response.StatusCode;
                var ok = anonymous ? status is >= 400 and < 500 : status == 401;
                if (!ok)
                {
                    failures.Add($"{method} {template} with {name}: {status} {await ShortBodyAsync(response)}");
                }
            }
        }

        Assert.True(failures.Count == 0, "Operations that did not refuse a bad token:\n" + string.Join('\n', failures));
    }

    [Fact]
    public async Task Another_users_token_never_gets_or_changes_the_first_users_data()
    {
        var operations = await OperationsAsync();
        var seed = await SeededAsync();
        using var owner = await factory.CreateClientForAsync(UserA);
        var before = await SnapshotAsync(owner, seed);
        var other = await factory.MintTokenAsync(UserB);

        var failures = new List<string>();
        using var client = factory.CreateClient();
        foreach (var (method, template) in operations.OrderBy(o => o.Method == "DELETE" ? 1 : 0))
        {
            var key = Key(method, template);
            using var response = await SendAsync(client, method, template, seed, other);
            var status = (int)response.StatusCode;
            var body = await response.Content.ReadAsStringAsync(Ct);
            if (status >= 500)
            {
                failures.Add($"{key}: {status} {Short(body)}");
                continue;
            }

            if (AllowedForOtherUsers.TryGetValue(key, out var allowed))
            {
                if (allowed.Access == Access.CallerScoped && seed.Markers.FirstOrDefault(m => body.Contains(m, StringComparison.Ordinal)) is { } leaked)
                {
                    failures.Add($"{key}: caller-scoped, yet user B saw user A's '{leaked}'");
                }

                continue;
            }

            if (status is >= 200 and < 300)
            {
                failures.Add($"{key}: user B got {status} on user A's resource: {Short(body)}");
            }
            else if (seed.Markers.FirstOrDefault(m => body.Contains(m, StringComparison.Ordinal)) is { } leaked)
            {
                failures.Add($"{key}: {status}, yet the answer shows user A's '{leaked}'");
            }
        }

        var after = await SnapshotAsync(owner, seed);
        Assert.True(failures.Count == 0, "Operations that let user B at user A's data:\n" + string.Join('\n', failures));
        Assert.Equal(before, after);
    }

    [Fact]
    public async Task The_document_lists_every_mapped_endpoint_and_the_exceptions_are_real()
    {
        var documented = (await OperationsAsync()).Select(o => Key(o.Method, o.Template)).ToHashSet(StringComparer.Ordinal);
        var mapped = MappedOperations();
        var undocumented = PlatformUndocumented.Keys.Concat(Undocumented.Keys).ToHashSet(StringComparer.Ordinal);

        var missing = mapped
            .Where(m => !documented.Contains(m) && !undocumented.Contains(m))
            .Where(m => !ForwardedPrefixes.Concat(PlatformUndocumentedPrefixes).Any(p => m.Split(' ', 2)[1].StartsWith(p, StringComparison.Ordinal)))
            .ToList();
        Assert.True(missing.Count == 0, "Mapped endpoints missing from the OpenAPI document (document them or list them with a reason):\n" + string.Join('\n', missing));

        // Every listed exception must name a real operation, so a renamed route cannot keep a stale pass.
        var stale = AllowedForOtherUsers.Keys.Concat(AnonymousOperations.Keys).Where(k => !documented.Contains(k))
            .Concat(Undocumented.Keys.Where(k => !mapped.Contains(k)))
            .ToList();
        Assert.True(stale.Count == 0, "Exceptions naming no endpoint:\n" + string.Join('\n', stale));
    }

    /// <summary>Random bodies per write operation in <see cref="Random_bodies_never_get_a_5xx_and_a_rejected_one_changes_nothing"/> (CI time).</summary>
    protected virtual int BodyIterations => 10;

    /// <summary>
    /// Property test over every POST/PUT/PATCH of the document: user A sends random JSON, truncated
    /// JSON and non-JSON bytes to their own resources. Never a 5xx, and a rejected body leaves A's
    /// snapshot unchanged (CsCheck shrinks a failing body to a small one).
    /// </summary>
    [Fact]
    public async Task Random_bodies_never_get_a_5xx_and_a_rejected_one_changes_nothing()
    {
        var operations = (await OperationsAsync()).Where(o => o.Method is "POST" or "PUT" or "PATCH").ToList();
        var seed = await SeededAsync();
        using var owner = await factory.CreateClientForAsync(UserA);
        var state = await SnapshotAsync(owner, seed);
        foreach (var (method, template) in operations)
        {
            await HostileInput.JsonBody.SampleAsync(
                async body =>
                {
                    using var request = new HttpRequestMessage(new HttpMethod(method), seed.Fill(template))
                    {
                        Content = new StringContent(body, Encoding.UTF8, "application/json"),
                    };
                    using var response = await owner.SendAsync(request, Ct);
                    var status = (int)response.StatusCode;
                    var answer = await response.Content.ReadAsStringAsync(Ct);
                    var after = await SnapshotAsync(owner, seed);
                    var before = state;
                    state = after;
                    var dependencyDown = status is 502 or 503 or 504 && DependentOperations.ContainsKey(Key(method, template));
                    Assert.True(status < 500 || dependencyDown, $"{method} {template} answered {status} to the body {Short(body)}: {Short(answer)}");
                    Assert.True(status < 400 || before == after, $"{method} {template} refused ({status}) the body {Short(body)} yet changed user A's data");
                },
                iter: BodyIterations,
                threads: 1);
        }
    }

    /// <summary>
    /// No endpoint switches the request body limit off: each runs under the platform's default
    /// (<c>Limits:MaxRequestBodyBytes</c>) or a per-route limit of its own.
    /// </summary>
    [Fact]
    public void Every_endpoint_has_a_request_body_limit()
    {
        var unlimited = factory.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<Microsoft.AspNetCore.Http.Metadata.IRequestSizeLimitMetadata>() is { MaxRequestBodySize: null })
            .Select(e => e.RoutePattern.RawText)
            .ToList();
        Assert.True(unlimited.Count == 0, "Endpoints without a request body limit:\n" + string.Join('\n', unlimited));
    }

    private static string Key(string method, string template) => method + " " + template;

    private MatrixSeed? _seed;

    private async Task<MatrixSeed> SeededAsync()
    {
        if (_seed is null)
        {
            using var owner = await factory.CreateClientForAsync(UserA);
            var seed = new MatrixSeed(owner);
            await SeedAsync(seed);
            _seed = seed;
        }

        return _seed;
    }

    /// <summary>Every (method, path template) of the service's OpenAPI document.</summary>
    protected async Task<List<(string Method, string Template)>> OperationsAsync()
    {
        using var client = factory.CreateClient();
        var document = JsonNode.Parse(await client.GetStringAsync("/openapi/v1.json", Ct))!;
        var operations = new List<(string, string)>();
        foreach (var (path, item) in document["paths"]!.AsObject())
        {
            foreach (var (method, _) in item!.AsObject())
            {
                if (method is "get" or "put" or "post" or "patch" or "delete")
                {
                    operations.Add((method.ToUpperInvariant(), path));
                }
            }
        }

        Assert.NotEmpty(operations);
        return operations;
    }

    /// <summary>Every route endpoint the app maps, as "METHOD /template" in the document's spelling.</summary>
    private HashSet<string> MappedOperations()
    {
        var result = new HashSet<string>(StringComparer.Ordinal);
        foreach (var endpoint in factory.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>())
        {
            var template = "/" + string.Join('/', endpoint.RoutePattern.PathSegments.Select(segment => string.Concat(segment.Parts.Select(part => part switch
            {
                Microsoft.AspNetCore.Routing.Patterns.RoutePatternLiteralPart literal => literal.Content,
                Microsoft.AspNetCore.Routing.Patterns.RoutePatternParameterPart parameter => "{" + parameter.Name + "}",
                Microsoft.AspNetCore.Routing.Patterns.RoutePatternSeparatorPart separator => separator.Content,
                _ => "",
            }))));
            var methods = endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["*"];
            foreach (var method in methods)
            {
                result.Add(Key(method, template));
            }
        }

        return result;
    }

    private async Task<HttpResponseMessage> SendAsync(HttpClient client, string method, string template, MatrixSeed seed, string? token)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), seed.Fill(template));
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        if (method is "POST" or "PUT" or "PATCH")
        {
            request.Content = Body(method, template, seed);
        }

        return await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Ct);
    }

    /// <summary>Re-encodes an unsigned (emulator-format) token with a changed payload.</summary>
    private static string Rewrite(string token, Action<JsonObject> change)
    {
        var parts = token.Split('.');
        var payload = JsonNode.Parse(Base64Url.DecodeFromChars(parts[1]))!.AsObject();
        change(payload);
        return parts[0] + "." + Base64Url.EncodeToString(Encoding.UTF8.GetBytes(payload.ToJsonString())) + "." + parts[2];
    }

    private static async Task<string> ShortBodyAsync(HttpResponseMessage response) => Short(await response.Content.ReadAsStringAsync(Ct));

    private static string Short(string body) => body.Length <= 300 ? body : body[..300] + "...";
}

/// <summary>User A's seeded resources: route parameter values and markers user B must never see.</summary>
public sealed class MatrixSeed(HttpClient owner)
{
    private readonly List<(string Prefix, string Parameter, string Value)> _values = [];

    /// <summary>A client carrying user A's token.</summary>
    public HttpClient Owner => owner;

    public List<string> Markers { get; } = [];

    /// <summary>Free-form values a seeding hook keeps for its bodies and snapshot.</summary>
    public Dictionary<string, string> Items { get; } = new(StringComparer.Ordinal);

    /// <summary>Fills <c>{parameter}</c> of templates starting with <paramref name="prefix"/> (longest prefix wins).</summary>
    public MatrixSeed Set(string parameter, string value, string prefix = "/")
    {
        _values.Add((prefix, parameter, value));
        return this;
    }

    public MatrixSeed Marker(string value)
    {
        Markers.Add(value);
        return this;
    }

    /// <summary>The template with every parameter filled: a seeded id, or a random one where nothing was seeded.</summary>
    public string Fill(string template)
    {
        var builder = new StringBuilder();
        var position = 0;
        while (template.IndexOf('{', position) is var open and >= 0)
        {
            var close = template.IndexOf('}', open);
            builder.Append(template, position, open - position);
            var name = template[(open + 1)..close];
            var value = _values
                .Where(v => v.Parameter == name && template.StartsWith(v.Prefix, StringComparison.Ordinal))
                .OrderByDescending(v => v.Prefix.Length)
                .Select(v => v.Value)
                .FirstOrDefault() ?? "random-" + Guid.NewGuid().ToString("N")[..12];
            builder.Append(name == "path" ? value : Uri.EscapeDataString(value));
            position = close + 1;
        }

        return builder.Append(template, position, template.Length - position).ToString();
    }
}
