using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using PocketCode.Bench;
using PocketCode.Platform;
using PocketCode.Storage.Blobs;
using PocketCode.Storage.Local;
using PocketCode.Streaming.Bench;
using PocketCode.Testing;

// The streaming-memory benchmark (docs/benchmarks.md, "Streaming memory"). The published BFF runs
// as its own process (embedded stores: SQLite + local-folder blobs); the bench sends and fetches
//   1. a ~500 MB project archive: POST /v1/projects/{id}/archive (import), GET .../archive (export);
//   2. a 500 MB build artifact: PUT to a signed upload URL and GET from a signed download URL, both
//      served by the BFF's local blob endpoints (what GCS serves in production);
// and samples the BFF's resident memory (/proc/PID/status) before and during each transfer.
//
//   dotnet run -c Release --project bench/Streaming.Bench -- [--bff PATH] [--size-mb 500] [--markdown FILE]
//
// PATH: the published BFF (PocketCode.Bff.dll for the JIT build or the PocketCode.Bff executable);
// by default the first found of services/bff/src/bin/Release/net10.0/{linux-x64/,}publish/.

const long MiB = 1024 * 1024;
var options = new BenchArgs(args);
var report = new MarkdownReport(MarkdownReport.Command("bench/Streaming.Bench", args), echo: true);
var sizeMb = options.Number("--size-mb", 500);
var totalBytes = sizeMb * MiB;
const long AssetBytes = 50 * MiB;
var bffPath = FindBff(options.Value("--bff"));
var work = Directory.CreateTempSubdirectory("pocketcode-streaming-bench-");
var dataDirectory = Path.Combine(work.FullName, "data");
var project = BenchEnvironment.ProjectId;
var port = ServiceProcess.FreePort();
var baseUrl = $"http://127.0.0.1:{port}";
// The benchmarks' service settings (emulator mode: the BFF accepts the unsigned token minted below).
var environment = BenchEnvironment.EmbeddedService(dataDirectory);
environment["ASPNETCORE_URLS"] = baseUrl;
environment["PUBLIC_BASE_URL"] = baseUrl;
// Limits that let a 500 MB project archive through (production defaults are 50 MB / 100 MB / 5 MB per file).
environment["Projects__MaxArchiveBytes"] = (totalBytes + 64 * MiB).ToString(CultureInfo.InvariantCulture);
environment["Projects__MaxArchiveUncompressedBytes"] = (totalBytes + 64 * MiB).ToString(CultureInfo.InvariantCulture);
environment["Projects__MaxFileBytes"] = (AssetBytes + MiB).ToString(CultureInfo.InvariantCulture);
// Not reached by these paths; required settings.
environment["Services__Marketplace__Url"] = "http://127.0.0.1:9";
environment["Services__ApiProxy__Url"] = "http://127.0.0.1:9";
environment["Services__UseGoogleIdTokens"] = "false";

Console.WriteLine($"BFF: {bffPath}");
Console.WriteLine($"Work folder: {work.FullName}");
var zipPath = Path.Combine(work.FullName, "project.zip");
var (entries, uncompressed) = await ProjectZip.WriteAsync(zipPath, totalBytes, AssetBytes);
var zipBytes = new FileInfo(zipPath).Length;
Console.WriteLine($"Project archive: {entries} entries, {uncompressed / (double)MiB:0} MiB of files, zip {zipBytes / (double)MiB:0} MiB");

var bff = ServiceProcess.StartExactly("bff", bffPath, environment, port);
var rows = new List<(string Phase, double Seconds, long Bytes, long Before, long Peak)>();
try
{
    var token = EmulatorTokens.Create($"https://securetoken.google.com/{project}", project, "streaming-bench-user", DateTimeOffset.UtcNow);
    using var http = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromMinutes(30) };
    http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
    await WaitForStartAsync(http, bff);
    var startRss = bff.Memory().Rss;

    var projectId = await CreateProjectAsync(http);
    var artifacts = new LocalBlobStore(new LocalBlobStoreOptions { RootPath = Path.Combine(dataDirectory, "blobs"), PublicBaseUrl = new Uri(baseUrl + "/") });
    var artifactName = $"streaming-bench-user/{projectId}/bench-build/app-release.aab";

    // Warm-up: the same four paths with small payloads, so start-up and first-call costs (JIT,
    // connection and buffer pools, SQLite caches) are in the baseline, not in the growth.
    var smallZip = Path.Combine(work.FullName, "small.zip");
    await ProjectZip.WriteAsync(smallZip, 4 * MiB, MiB);
    await ImportAsync(http, projectId, smallZip);
    await ExportAsync(http, projectId, Stream.Null);
    await UploadArtifactAsync(http, artifacts, artifactName, 4 * MiB);
    await DownloadArtifactAsync(http, artifacts, artifactName, Stream.Null);
    await Task.Delay(TimeSpan.FromSeconds(2));
    var baseline = bff.Memory().Rss;

    rows.Add(await MeasureAsync("project archive import (POST /v1/projects/{id}/archive)", zipBytes, () => ImportAsync(http, projectId, zipPath)));
    var exportPath = Path.Combine(work.FullName, "export.zip");
    long exported = 0;
    rows.Add(await MeasureAsync("project archive export (GET /v1/projects/{id}/archive)", 0, async () =>
    {
        await using var file = new FileStream(exportPath, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
        exported = await ExportAsync(http, projectId, file);
    }));
    rows[^1] = rows[^1] with { Bytes = exported };
    VerifyExport(exportPath, entries, uncompressed);
    File.Delete(exportPath);

    byte[] uploadedHash = [];
    byte[] downloadedHash = [];
    rows.Add(await MeasureAsync("build artifact upload (PUT signed URL)", totalBytes, async () => uploadedHash = await UploadArtifactAsync(http, artifacts, artifactName, totalBytes)));
    rows.Add(await MeasureAsync("build artifact download (GET signed URL)", totalBytes, async () =>
    {
        using var sha = SHA256.Create();
        await using var hashing = new CryptoStream(Stream.Null, sha, CryptoStreamMode.Write);
        await DownloadArtifactAsync(http, artifacts, artifactName, hashing);
        await hashing.FlushFinalBlockAsync();
        downloadedHash = sha.Hash!;
    }));
    if (!uploadedHash.AsSpan().SequenceEqual(downloadedHash))
    {
        throw new InvalidOperationException("The downloaded artifact differs from the uploaded one.");
    }

    var overallPeak = rows.Max(r => r.Peak);
    report.Line(string.Create(CultureInfo.InvariantCulture,
        $"BFF: {(bffPath.EndsWith(".dll", StringComparison.Ordinal) ? "published JIT build" : "published executable")} (`{Path.GetFileName(bffPath)}`), its own process; RSS after start-up {Mib(startRss)}, after the small warm-up transfers (baseline) {Mib(baseline)}. Project archive: {entries} entries (Gradle layout, {ProjectZip.SourceFiles} Kotlin sources, {(uncompressed - 1) / AssetBytes + 1} binary assets of up to {AssetBytes / MiB} MiB), {Mib(uncompressed)} of files, zip {Mib(zipBytes)}; artifact {Mib(totalBytes)}."));
    report.Line();
    report.Line("| transfer | bytes | time | throughput | RSS before | RSS peak | growth |");
    report.Line("|---|---:|---:|---:|---:|---:|---:|");
    foreach (var row in rows)
    {
        report.Line(string.Create(CultureInfo.InvariantCulture,
            $"| {row.Phase} | {Mib(row.Bytes)} | {row.Seconds:0.0} s | {row.Bytes / MiB / row.Seconds:0} MiB/s | {Mib(row.Before)} | {Mib(row.Peak)} | {Mib(row.Peak - row.Before)} |"));
    }

    report.Line();
    var worst = rows.MaxBy(r => r.Peak - r.Before);
    var growth = overallPeak - baseline;
    report.Line(string.Create(CultureInfo.InvariantCulture,
        $"- Peak growth over the baseline across all four transfers: {Mib(growth)} (peak {Mib(overallPeak)}); largest single-transfer growth {Mib(worst.Peak - worst.Before)} ({worst.Phase}). Aim < 64 MiB: **{(growth < 64 * MiB ? "met" : "not met")}**."));
    report.WriteTo(options.MarkdownFile);
}
finally
{
    await bff.KillAsync();
    await bff.DisposeAsync();

    try
    {
        work.Delete(recursive: true);
    }
    catch (IOException)
    {
    }
}

async Task<(string Phase, double Seconds, long Bytes, long Before, long Peak)> MeasureAsync(string phase, long bytes, Func<Task> transfer)
{
    var before = bff.Memory().Rss;
    var started = Stopwatch.GetTimestamp();
    await using (var watch = ProcessMemory.StartPeak(bff.ProcessId))
    {
        await transfer();
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var peak = watch.Peak;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{phase}: {seconds:0.0} s, RSS {Mib(before)} -> peak {Mib(peak)}"));
        return (phase, seconds, bytes, before, peak);
    }
}

static string Mib(long bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)MiB:0.0} MiB");

static async Task<string> CreateProjectAsync(HttpClient http)
{
    using var response = await http.PostAsJsonAsync("/v1/projects", new { name = "Streaming Bench", applicationId = "com.example.streamingbench" });
    var body = await response.Content.ReadAsStringAsync();
    if (response.StatusCode != HttpStatusCode.Created)
    {
        throw new InvalidOperationException($"Creating the project answered {(int)response.StatusCode}: {body}");
    }

    return JsonDocument.Parse(body).RootElement.GetProperty("id").GetString()!;
}

static async Task ImportAsync(HttpClient http, string projectId, string zipPath)
{
    await using var file = new FileStream(zipPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
    using var content = new StreamContent(file, 1 << 16);
    content.Headers.ContentType = new MediaTypeHeaderValue("application/zip");
    content.Headers.ContentLength = file.Length;
    using var response = await http.PostAsync($"/v1/projects/{projectId}/archive?mode=replace", content);
    await EnsureSuccessAsync(response, "import");
}

static async Task<long> ExportAsync(HttpClient http, string projectId, Stream target)
{
    using var response = await http.GetAsync($"/v1/projects/{projectId}/archive", HttpCompletionOption.ResponseHeadersRead);
    await EnsureSuccessAsync(response, "export");
    await using var body = await response.Content.ReadAsStreamAsync();
    var counting = new CountingStream(target);
    await body.CopyToAsync(counting, 1 << 16);
    return counting.Count;
}

static async Task<byte[]> UploadArtifactAsync(HttpClient http, LocalBlobStore signer, string name, long bytes)
{
    // The URL the workflow gets from POST /v1/builds/{id}/artifact-uploads, signed with the same key
    // (the local store keeps it in its data folder) and served by the BFF's local blob endpoints.
    var url = await signer.CreateSignedUrlAsync(BucketNames.BuildArtifacts, name, SignedUrlMethod.Put, TimeSpan.FromMinutes(30), "application/octet-stream");
    using var sha = SHA256.Create();
    await using var hashing = new CryptoStream(new PseudoRandomStream(bytes, 42), sha, CryptoStreamMode.Read);
    using var content = new StreamContent(hashing, 1 << 16);
    content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
    content.Headers.ContentLength = bytes;
    using var request = new HttpRequestMessage(HttpMethod.Put, url) { Content = content };
    request.Headers.Authorization = null;
    using var response = await http.SendAsync(request);
    await EnsureSuccessAsync(response, "artifact upload");
    return sha.Hash!;
}

static async Task DownloadArtifactAsync(HttpClient http, LocalBlobStore signer, string name, Stream target)
{
    var url = await signer.CreateSignedUrlAsync(BucketNames.BuildArtifacts, name, SignedUrlMethod.Get, TimeSpan.FromMinutes(30));
    using var request = new HttpRequestMessage(HttpMethod.Get, url);
    using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
    await EnsureSuccessAsync(response, "artifact download");
    await using var body = await response.Content.ReadAsStreamAsync();
    await body.CopyToAsync(target, 1 << 16);
}

static async Task EnsureSuccessAsync(HttpResponseMessage response, string what)
{
    if (!response.IsSuccessStatusCode)
    {
        var body = await response.Content.ReadAsStringAsync();
        throw new InvalidOperationException($"The {what} answered {(int)response.StatusCode}: {body[..Math.Min(body.Length, 500)]}");
    }
}

static void VerifyExport(string path, int entries, long uncompressed)
{
    using var zip = ZipFile.OpenRead(path);
    var files = zip.Entries.Count;
    var length = zip.Entries.Sum(e => e.Length);
    if (files != entries || length != uncompressed)
    {
        throw new InvalidOperationException($"The exported zip holds {files} files / {length} bytes; {entries} / {uncompressed} were imported.");
    }
}

static async Task WaitForStartAsync(HttpClient http, ServiceProcess bff)
{
    for (var attempt = 0; attempt < 1200; attempt++)
    {
        if (bff.HasExited)
        {
            throw new InvalidOperationException($"The BFF exited with code {bff.ExitCode} while starting (see [bff] lines above).");
        }

        try
        {
            using var response = await http.GetAsync("/v1/whoami");
            if (response.IsSuccessStatusCode)
            {
                return;
            }

            throw new InvalidOperationException($"GET /v1/whoami answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }
        catch (HttpRequestException)
        {
            await Task.Delay(50);
        }
    }

    throw new InvalidOperationException("The BFF did not start listening within a minute.");
}

static string FindBff(string? given)
{
    if (given is not null)
    {
        return File.Exists(given) ? Path.GetFullPath(given) : throw new FileNotFoundException($"No BFF at {given}.");
    }

    var root = RepositoryRoot.Path;
    var candidates = new[]
    {
        "services/bff/src/bin/Release/net10.0/linux-x64/publish/PocketCode.Bff",
        "services/bff/src/bin/Release/net10.0/publish/PocketCode.Bff",
        "services/bff/src/bin/Release/net10.0/linux-x64/publish/PocketCode.Bff.dll",
        "services/bff/src/bin/Release/net10.0/publish/PocketCode.Bff.dll",
    };
    return candidates.Select(c => Path.Combine(root, c)).FirstOrDefault(File.Exists)
        ?? throw new FileNotFoundException("No published BFF found: run `dotnet publish services/bff/src -c Release` first or pass --bff PATH.");
}

/// <summary>Counts the bytes written through it.</summary>
internal sealed class CountingStream(Stream inner) : Stream
{
    public long Count { get; private set; }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => Count;
        set => throw new NotSupportedException();
    }

    public override void Flush() => inner.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count)
    {
        inner.Write(buffer, offset, count);
        Count += count;
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await inner.WriteAsync(buffer, cancellationToken);
        Count += buffer.Length;
    }
}
