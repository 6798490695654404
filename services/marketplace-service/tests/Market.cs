using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Xunit;

namespace PocketCode.Marketplace.Tests;

/// <summary>Test helpers: zips (good and hostile) and the marketplace's calls.</summary>
internal static class Market
{
    public static byte[] Zip(params (string Name, string Content)[] files) => Zip(files.Select(f => (f.Name, Encoding.UTF8.GetBytes(f.Content), 0)).ToArray());

    public static byte[] Zip((string Name, byte[] Content, int UnixMode)[] entries)
    {
        using var memory = new MemoryStream();
        using (var zip = new ZipArchive(memory, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, content, mode) in entries)
            {
                var entry = zip.CreateEntry(name, CompressionLevel.Optimal);
                if (mode != 0)
                {
                    entry.ExternalAttributes = mode << 16;
                }

                using var stream = entry.Open();
                stream.Write(content);
            }
        }

        return memory.ToArray();
    }

    public static byte[] TemplateZip(string marker = "demo") => Zip(
        ("settings.gradle.kts", "rootProject.name = \"" + marker + "\"\ninclude(\":app\")\n"),
        ("app/build.gradle.kts", "plugins { id(\"com.android.application\") }\n"),
        ("app/src/main/java/Main.kt", "fun main() = println(\"" + marker + "\")\n"));

    public static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    public static async Task<string> CreateAssetAsync(HttpClient client, string title = "Compose Login Screen", string kind = "template", string[]? tags = null, string description = "A ready login screen built with Jetpack Compose.")
    {
        using var response = await client.PostAsJsonAsync("/v1/marketplace/assets", new
        {
            kind,
            title,
            description,
            readme = "# Login\nUse it.",
            tags = tags ?? ["compose", "login"],
            license = "MIT",
            minSettings = new Dictionary<string, string> { ["minSdk"] = "24" },
        }, Ct);
        return (await ReadJsonAsync(response, HttpStatusCode.Created)).GetProperty("id").GetString()!;
    }

    /// <summary>Declares a version and uploads it to the signed URL; returns the confirm response.</summary>
    public static async Task<HttpResponseMessage> PublishViaSignedUrlAsync(HttpClient client, string assetId, string version, byte[] zip, string? sha256 = null, long? size = null)
    {
        using var declared = await client.PostAsJsonAsync($"/v1/marketplace/assets/{assetId}/versions", new
        {
            version,
            changelog = "First release",
            sha256 = sha256 ?? Sha256(zip),
            size = size ?? zip.LongLength,
        }, Ct);
        var body = await ReadJsonAsync(declared, HttpStatusCode.Created);
        var upload = body.GetProperty("upload");
        var url = new Uri(upload.GetProperty("url").GetString()!);
        using var content = new ByteArrayContent(zip);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(upload.GetProperty("contentType").GetString()!);
        using var put = new HttpRequestMessage(HttpMethod.Put, url.PathAndQuery) { Content = content };
        using var uploaded = await client.SendAsync(put, Ct);
        Assert.True(uploaded.IsSuccessStatusCode, $"upload: {(int)uploaded.StatusCode} {await uploaded.Content.ReadAsStringAsync(Ct)}");
        return await client.PostAsync($"/v1/marketplace/assets/{assetId}/versions/{version}/confirm", null, Ct);
    }

    /// <summary>Declares a version and streams the zip through the service.</summary>
    public static async Task<HttpResponseMessage> PublishViaServiceAsync(HttpClient client, string assetId, string version, byte[] zip, string? sha256 = null, long? size = null)
    {
        using var declared = await client.PostAsJsonAsync($"/v1/marketplace/assets/{assetId}/versions", new
        {
            version,
            changelog = "Release <script>alert(1)</script>",
            sha256 = sha256 ?? Sha256(zip),
            size = size ?? zip.LongLength,
        }, Ct);
        await ReadJsonAsync(declared, HttpStatusCode.Created);
        using var content = new ByteArrayContent(zip);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/zip");
        return await client.PutAsync($"/v1/marketplace/assets/{assetId}/versions/{version}/file", content, Ct);
    }

    public static async Task<JsonElement> SearchAsync(HttpClient client, string query) =>
        await ReadJsonAsync(await client.GetAsync("/v1/marketplace/search?" + query, Ct));

    public static List<string> Ids(JsonElement page) =>
        page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetString()!).ToList();
}
