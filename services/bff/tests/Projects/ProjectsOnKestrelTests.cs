using System.IO.Compression;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Hosting;
using PocketCode.Testing;
using Xunit;
using static PocketCode.Bff.Tests.Projects.ProjectApi;

namespace PocketCode.Bff.Tests.Projects;

/// <summary>The BFF on a real Kestrel socket: its request limits, URL normalisation and ban on synchronous I/O.</summary>
public sealed class KestrelBffFactory : ServiceFactory<Program>
{
    public KestrelBffFactory() => UseKestrel(0);

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("urls", "http://127.0.0.1:0");
    }
}

public sealed class ProjectsOnKestrelTests(KestrelBffFactory factory) : IClassFixture<KestrelBffFactory>
{
    [Fact]
    public async Task A_json_body_over_10_mb_is_a_413_problem_before_anything_reads_it()
    {
        // The server answers 413 without reading the body; with 100-continue the client waits
        // for that answer instead of pushing 10 MB into a connection the server closes.
        using var client = await factory.CreateExpectContinueClientForAsync("kestrel-json-user");
        var id = await client.CreateProjectIdAsync("Original");
        var huge = "{\"name\":\"" + new string('x', 10 * 1024 * 1024 + 10) + "\",\"applicationId\":\"com.example.big\"}";

        using var create = await client.PostAsync("/v1/projects", Json(huge), Ct);
        await ProblemAssert.IsProblemAsync(create, HttpStatusCode.RequestEntityTooLarge, "payload_too_large");
        using var patch = await client.PatchAsync($"/v1/projects/{id}", Json(huge), Ct);
        await ProblemAssert.IsProblemAsync(patch, HttpStatusCode.RequestEntityTooLarge, "payload_too_large");

        Assert.Equal([id], await client.ListAllProjectIdsAsync());
    }

    [Fact]
    public async Task A_file_over_the_limit_is_a_413_problem_with_or_without_content_length()
    {
        using var client = await factory.CreateExpectContinueClientForAsync("kestrel-size-user");
        var id = await client.CreateProjectIdAsync();
        var before = await client.TreeAsync(id);
        var tooBig = new byte[5 * 1024 * 1024 + 1];

        using var declared = await client.PutAsync($"/v1/projects/{id}/files/big.bin", new ByteArrayContent(tooBig), Ct);
        await ProblemAssert.IsProblemAsync(declared, HttpStatusCode.RequestEntityTooLarge, "payload_too_large");

        using var chunkedRequest = new HttpRequestMessage(HttpMethod.Put, $"/v1/projects/{id}/files/big.bin") { Content = new StreamContent(new MemoryStream(tooBig)) };
        chunkedRequest.Headers.TransferEncodingChunked = true;
        using var chunked = await client.SendAsync(chunkedRequest, Ct);
        await ProblemAssert.IsProblemAsync(chunked, HttpStatusCode.RequestEntityTooLarge, "payload_too_large");

        Assert.Equal(before, await client.TreeAsync(id));
    }

    [Theory]
    [InlineData("%2e%2e/%2e%2e/evil.txt")]
    [InlineData("%2E%2E/%2E%2E/%2E%2E/%2E%2E/evil.txt")]
    [InlineData("..%2F..%2Fevil.txt")]
    [InlineData("%00evil.txt")]
    public async Task Encoded_traversal_is_a_4xx_problem_and_changes_nothing(string path)
    {
        using var client = await factory.CreateClientForAsync("kestrel-traversal-user");
        var id = await client.CreateProjectIdAsync();
        var before = await client.TreeAsync(id);

        using var request = new HttpRequestMessage(HttpMethod.Put, new Uri(client.BaseAddress!, $"/v1/projects/{id}/files/{path}"))
        {
            Content = new StringContent("pwned", Encoding.UTF8, "text/plain"),
        };
        using var response = await client.SendAsync(request, Ct);

        var status = (int)response.StatusCode;
        Assert.True(status is >= 400 and < 500, $"got {status}");
        Assert.Equal(before, await client.TreeAsync(id));
    }

    [Fact]
    public async Task The_archive_streams_over_a_real_socket()
    {
        using var client = await factory.CreateClientForAsync("kestrel-archive-user");
        var id = await client.CreateProjectIdAsync();
        using (await client.PutFileAsync(id, "big/random.bin", new string('z', 3 * 1024 * 1024)))
        {
        }

        using var response = await client.GetAsync($"/v1/projects/{id}/archive", HttpCompletionOption.ResponseHeadersRead, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Null(response.Content.Headers.ContentLength);
        await using var body = await response.Content.ReadAsStreamAsync(Ct);
        var copy = new MemoryStream();
        await body.CopyToAsync(copy, Ct);
        copy.Position = 0;
        using var zip = new ZipArchive(copy, ZipArchiveMode.Read);
        Assert.Equal((await client.TreeAsync(id)).Keys, zip.Entries.Select(e => e.FullName).Order(StringComparer.Ordinal));
        Assert.Equal(3 * 1024 * 1024, zip.GetEntry("big/random.bin")!.Length);
    }
}
