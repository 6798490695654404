using System.Collections.Concurrent;
using System.Diagnostics;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace PocketCode.Load.Bench;

/// <summary>Latencies and outcomes of one route.</summary>
internal sealed class RouteStats(string name)
{
    private readonly List<double> _milliseconds = [];

    public string Name { get; } = name;

    public long Ok;
    public long ServerErrors;
    public long ClientErrors;
    public long Failures;

    public void Add(double milliseconds)
    {
        lock (_milliseconds)
        {
            _milliseconds.Add(milliseconds);
        }
    }

    public int Count
    {
        get
        {
            lock (_milliseconds)
            {
                return _milliseconds.Count;
            }
        }
    }

    public double Percentile(double p)
    {
        lock (_milliseconds)
        {
            if (_milliseconds.Count == 0)
            {
                return 0;
            }

            _milliseconds.Sort();
            var index = (int)Math.Ceiling(p * _milliseconds.Count) - 1;
            return _milliseconds[Math.Clamp(index, 0, _milliseconds.Count - 1)];
        }
    }
}

/// <summary>What was acknowledged (2xx) during the run, so the data check knows the exact expectation.</summary>
internal sealed class Ledger
{
    /// <summary>Per client: path → the last acknowledged content, and contents of writes whose outcome is unknown after it.</summary>
    public ConcurrentDictionary<(string Uid, string ProjectId, string Path), (string Acked, List<string> Unknown)> Files { get; } = new();

    public ConcurrentDictionary<(string Uid, string AssetId), (int? Acked, List<int> Unknown)> Reviews { get; } = new();

    public ConcurrentDictionary<string, long> Downloads { get; } = new();

    public ConcurrentDictionary<string, long> DownloadsUnknown { get; } = new();

    public ConcurrentDictionary<string, long> AiCalls { get; } = new();

    public ConcurrentDictionary<string, long> AiUnknown { get; } = new();
}

/// <summary>One simulated phone: a user with one project of its own.</summary>
internal sealed class LoadClient(string uid, HttpClient http, string projectId, Random random)
{
    public string Uid { get; } = uid;

    public HttpClient Http { get; } = http;

    public string ProjectId { get; } = projectId;

    public Random Random { get; } = random;

    public int Sequence;
}

/// <summary>The phone-like mix, all through the BFF.</summary>
internal sealed class Workload(string bffUrl, IReadOnlyList<string> assetIds, Ledger ledger)
{
    public const string AssetVersion = "1.0.0";
    public const int FilesPerProject = 8;

    // (route, weight): what a phone does most is open screens and files; writes, reviews and AI calls less often.
    private static readonly (string Route, int Weight)[] Mix =
    [
        ("GET /v1/home", 15),
        ("GET /v1/projects", 10),
        ("GET /v1/projects/{id}/files/{path}", 20),
        ("PUT /v1/projects/{id}/files/{path}", 15),
        ("GET /v1/marketplace/search", 10),
        ("PUT /v1/marketplace/assets/{id}/reviews/me", 8),
        ("GET /v1/marketplace/assets/{id}/versions/{v}/download", 7),
        ("POST /proxy/ai/generate", 8),
        ("GET /v1/projects/{id}/builds", 7),
    ];

    private static readonly string[] SearchWords = ["login", "compose", "todo", "chart", "camera", "list", "settings", "theme"];

    public ConcurrentDictionary<string, RouteStats> Stats { get; } = new(Mix.ToDictionary(m => m.Route, m => new RouteStats(m.Route)));

    public static HttpClient NewClient(string baseUrl, string? token = null)
    {
        var handler = new SocketsHttpHandler { AllowAutoRedirect = false, PooledConnectionLifetime = TimeSpan.FromMinutes(10) };
        var client = new HttpClient(handler) { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(60) };
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return client;
    }

    public static async Task<string> TokenAsync(HttpClient anonymous, string uid, CancellationToken ct)
    {
        using var response = await anonymous.PostAsJsonAsync("/dev/tokens", new { uid, email = uid + "@example.com" }, ct);
        var body = await Expect(response, HttpStatusCode.OK, ct);
        return body.GetProperty("idToken").GetString()!;
    }

    /// <summary>A publisher's published template assets: what reviews, searches and downloads use.</summary>
    public static async Task<List<string>> SeedAssetsAsync(HttpClient publisher, int count, CancellationToken ct)
    {
        string[] titles = ["Compose Login Screen", "Todo List Template", "Chart Dashboard", "Camera Capture Sample", "Settings Screen Kit", "Material Theme Starter"];
        var ids = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var title = titles[i % titles.Length] + (i >= titles.Length ? $" {i}" : "");
            using var created = await publisher.PostAsJsonAsync("/v1/marketplace/assets", new
            {
                kind = "template",
                title,
                description = "A load-test template: " + title + ".",
                readme = "# " + title,
                tags = new[] { "compose", SearchWords[i % SearchWords.Length] },
                license = "MIT",
                minSettings = new Dictionary<string, string> { ["minSdk"] = "24" },
            }, ct);
            var id = (await Expect(created, HttpStatusCode.Created, ct)).GetProperty("id").GetString()!;
            var zip = TemplateZip(title);
            using var declared = await publisher.PostAsJsonAsync($"/v1/marketplace/assets/{id}/versions", new
            {
                version = AssetVersion,
                changelog = "First release",
                sha256 = Convert.ToHexStringLower(SHA256.HashData(zip)),
                size = zip.LongLength,
            }, ct);
            await Expect(declared, HttpStatusCode.Created, ct);
            using var content = new ByteArrayContent(zip);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/zip");
            using var uploaded = await publisher.PutAsync($"/v1/marketplace/assets/{id}/versions/{AssetVersion}/file", content, ct);
            if (!uploaded.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"Publishing the seed asset failed: {(int)uploaded.StatusCode} {await uploaded.Content.ReadAsStringAsync(ct)}");
            }

            ids.Add(id);
        }

        return ids;
    }

    /// <summary>A user's project with its first files (acknowledged writes too).</summary>
    public async Task<LoadClient> SetUpClientAsync(string uid, string token, int seed, CancellationToken ct)
    {
        var http = NewClient(bffUrl, token);
        using var created = await http.PostAsJsonAsync("/v1/projects", new { name = "Load " + uid, applicationId = "com.example.load" + seed }, ct);
        var projectId = (await Expect(created, HttpStatusCode.Created, ct)).GetProperty("id").GetString()!;
        var client = new LoadClient(uid, http, projectId, new Random(seed));
        for (var i = 0; i < FilesPerProject; i++)
        {
            var path = FilePath(i);
            var text = $"// {uid} {path} initial\n";
            using var put = await http.PutAsync($"/v1/projects/{projectId}/files/{path}", new StringContent(text, Encoding.UTF8, "text/plain"), ct);
            if (!put.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"Seeding {path} failed: {(int)put.StatusCode} {await put.Content.ReadAsStringAsync(ct)}");
            }

            ledger.Files[(uid, projectId, path)] = (text, []);
        }

        return client;
    }

    public static string FilePath(int i) => $"app/src/main/java/com/example/load/File{i}.kt";

    public async Task RunAsync(LoadClient client, DateTime until, CancellationToken ct)
    {
        var totalWeight = Mix.Sum(m => m.Weight);
        while (DateTime.UtcNow < until && !ct.IsCancellationRequested)
        {
            var pick = client.Random.Next(totalWeight);
            var route = Mix.First(m => (pick -= m.Weight) < 0).Route;
            await OneAsync(client, route, ct);
        }
    }

    private async Task OneAsync(LoadClient client, string route, CancellationToken ct)
    {
        var n = Interlocked.Increment(ref client.Sequence);
        var asset = assetIds[client.Random.Next(assetIds.Count)];
        var path = FilePath(client.Random.Next(FilesPerProject));
        HttpRequestMessage request;
        Action<bool?> record = _ => { };
        switch (route)
        {
            case "GET /v1/home":
                request = new HttpRequestMessage(HttpMethod.Get, "/v1/home");
                break;
            case "GET /v1/projects":
                request = new HttpRequestMessage(HttpMethod.Get, "/v1/projects");
                break;
            case "GET /v1/projects/{id}/files/{path}":
                request = new HttpRequestMessage(HttpMethod.Get, $"/v1/projects/{client.ProjectId}/files/{path}");
                break;
            case "PUT /v1/projects/{id}/files/{path}":
                {
                    var text = $"// {client.Uid} {path} write {n}\n" + new string('x', client.Random.Next(100, 4000)) + "\n";
                    request = new HttpRequestMessage(HttpMethod.Put, $"/v1/projects/{client.ProjectId}/files/{path}") { Content = new StringContent(text, Encoding.UTF8, "text/plain") };
                    var key = (client.Uid, client.ProjectId, path);
                    record = acked => ledger.Files.AddOrUpdate(key, _ => (text, []), (_, old) => acked switch
                    {
                        true => (text, []),
                        null => (old.Acked, [.. old.Unknown, text]),
                        false => old,
                    });
                    break;
                }

            case "GET /v1/marketplace/search":
                request = new HttpRequestMessage(HttpMethod.Get, "/v1/marketplace/search?q=" + SearchWords[client.Random.Next(SearchWords.Length)]);
                break;
            case "PUT /v1/marketplace/assets/{id}/reviews/me":
                {
                    var rating = client.Random.Next(1, 6);
                    request = new HttpRequestMessage(HttpMethod.Put, $"/v1/marketplace/assets/{asset}/reviews/me") { Content = JsonContent.Create(new { rating, comment = $"Review {n} by {client.Uid}: {rating} stars." }) };
                    var key = (client.Uid, asset);
                    record = acked => ledger.Reviews.AddOrUpdate(key, _ => acked switch { true => (rating, []), null => (null, [rating]), false => (null, []) }, (_, old) => acked switch
                    {
                        true => (rating, []),
                        null => (old.Acked, [.. old.Unknown, rating]),
                        false => old,
                    });
                    break;
                }

            case "GET /v1/marketplace/assets/{id}/versions/{v}/download":
                request = new HttpRequestMessage(HttpMethod.Get, $"/v1/marketplace/assets/{asset}/versions/{AssetVersion}/download");
                record = acked =>
                {
                    if (acked is not false)
                    {
                        (acked == true ? ledger.Downloads : ledger.DownloadsUnknown).AddOrUpdate(asset, 1, (_, c) => c + 1);
                    }
                };
                break;
            case "POST /proxy/ai/generate":
                request = new HttpRequestMessage(HttpMethod.Post, "/proxy/ai/generate")
                {
                    // A prompt of its own per call: no two calls are alike, every one reaches the provider.
                    Content = new StringContent($$"""{"model":"gemini-2.5-flash","prompt":"Explain Kotlin coroutines ({{client.Uid}} call {{n}})"}""", Encoding.UTF8, "application/json"),
                };
                record = acked =>
                {
                    if (acked is not false)
                    {
                        (acked == true ? ledger.AiCalls : ledger.AiUnknown).AddOrUpdate(client.Uid, 1, (_, c) => c + 1);
                    }
                };
                break;
            case "GET /v1/projects/{id}/builds":
                request = new HttpRequestMessage(HttpMethod.Get, $"/v1/projects/{client.ProjectId}/builds");
                break;
            default:
                throw new InvalidOperationException(route);
        }

        var stats = Stats[route];
        var started = Stopwatch.GetTimestamp();
        try
        {
            using (request)
            using (var response = await client.Http.SendAsync(request, HttpCompletionOption.ResponseContentRead, ct))
            {
                var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                stats.Add(elapsed);
                var status = (int)response.StatusCode;
                if (status is >= 200 and < 400)
                {
                    Interlocked.Increment(ref stats.Ok);
                    record(true);
                }
                else if (status >= 500)
                {
                    Interlocked.Increment(ref stats.ServerErrors);
                    record(null);
                    LogError(route, status, await response.Content.ReadAsStringAsync(ct));
                }
                else
                {
                    Interlocked.Increment(ref stats.ClientErrors);
                    record(false);
                    LogError(route, status, await response.Content.ReadAsStringAsync(ct));
                }
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            stats.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            Interlocked.Increment(ref stats.Failures);
            record(null);
            LogError(route, 0, ex.Message);
        }
    }

    private int _errorsLogged;

    private void LogError(string route, int status, string body)
    {
        if (Interlocked.Increment(ref _errorsLogged) <= 20)
        {
            Console.WriteLine($"load: {route} -> {(status == 0 ? "no response" : status.ToString(System.Globalization.CultureInfo.InvariantCulture))}: {(body.Length > 300 ? body[..300] : body)}");
        }
    }

    public static async Task<JsonElement> Expect(HttpResponseMessage response, HttpStatusCode expected, CancellationToken ct)
    {
        var text = await response.Content.ReadAsStringAsync(ct);
        if (response.StatusCode != expected)
        {
            throw new InvalidOperationException($"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri?.PathAndQuery}: expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        }

        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    private static byte[] TemplateZip(string marker)
    {
        using var memory = new MemoryStream();
        using (var zip = new ZipArchive(memory, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, content) in new[]
            {
                ("settings.gradle.kts", "rootProject.name = \"load\"\ninclude(\":app\")\n"),
                ("app/build.gradle.kts", "plugins { id(\"com.android.application\") }\n"),
                ("app/src/main/java/Main.kt", "fun main() = println(\"" + marker + "\")\n"),
            })
            {
                using var stream = zip.CreateEntry(name, CompressionLevel.Optimal).Open();
                stream.Write(Encoding.UTF8.GetBytes(content));
            }
        }

        return memory.ToArray();
    }
}
