using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using PocketCode.Bff.Tests.Projects;
using PocketCode.Testing;
using Xunit;
using static PocketCode.Bff.Tests.Projects.ProjectApi;

namespace PocketCode.Bff.Tests.Archives;

public sealed class ArchiveTests(ServiceFactory<Program> factory) : IClassFixture<ServiceFactory<Program>>
{
    private const int UnixSymlink = 0xA000;

    internal static byte[] Zip(Action<ZipArchive> fill)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            fill(zip);
        }

        return buffer.ToArray();
    }

    internal static void Add(ZipArchive zip, string name, string content, int? unixMode = null)
    {
        var entry = zip.CreateEntry(name);
        if (unixMode is { } mode)
        {
            entry.ExternalAttributes = mode << 16;
        }

        using var writer = new StreamWriter(entry.Open());
        writer.Write(content);
    }

    internal static void AddBytes(ZipArchive zip, string name, byte[] content)
    {
        using var stream = zip.CreateEntry(name, CompressionLevel.SmallestSize).Open();
        stream.Write(content);
    }

    internal static async Task<HttpResponseMessage> ImportAsync(HttpClient client, string id, byte[] zip, string? mode = null, string? ifMatch = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/projects/{id}/archive" + (mode is null ? string.Empty : "?mode=" + mode))
        {
            Content = new ByteArrayContent(zip),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/zip");
        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }

        return await client.SendAsync(request, Ct);
    }

    internal static async Task<Dictionary<string, string>> ExportAsync(HttpClient client, string id)
    {
        using var response = await client.GetAsync($"/v1/projects/{id}/archive", HttpCompletionOption.ResponseHeadersRead, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/zip", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition?.DispositionType);
        var bytes = await response.Content.ReadAsByteArrayAsync(Ct);
        using var zip = new ZipArchive(new MemoryStream(bytes), ZipArchiveMode.Read);
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in zip.Entries)
        {
            using var reader = new StreamReader(entry.Open());
            files[entry.FullName] = await reader.ReadToEndAsync(Ct);
        }

        return files;
    }

    [Fact]
    public async Task Export_streams_every_file_with_its_content()
    {
        using var client = await factory.CreateClientForAsync("export-user");
        var id = await client.CreateProjectIdAsync();
        using (await client.PutFileAsync(id, "docs/guide.md", "# Guide"))
        {
        }

        var files = await ExportAsync(client, id);

        Assert.Equal((await client.TreeAsync(id)).Keys, files.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("# Guide", files["docs/guide.md"]);
    }

    [Fact]
    public async Task Export_then_import_replace_round_trips_and_removes_files_not_in_the_zip()
    {
        using var client = await factory.CreateClientForAsync("roundtrip-user");
        var id = await client.CreateProjectIdAsync();
        var original = await ExportAsync(client, id);
        using (await client.PutFileAsync(id, "scratch.txt", "to be replaced"))
        {
        }

        var zip = Zip(z =>
        {
            foreach (var (path, content) in original)
            {
                Add(z, path, content);
            }

            Add(z, "docs/", string.Empty);
            Add(z, "docs/added.md", "added");
        });
        using var response = await ImportAsync(client, id, zip);

        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        var result = JsonDocument.Parse(body).RootElement;
        Assert.Equal("replace", result.GetProperty("mode").GetString());
        Assert.Equal(original.Count + 1, result.GetProperty("written").GetInt32());
        Assert.Equal(1, result.GetProperty("deleted").GetInt32());
        var after = await ExportAsync(client, id);
        Assert.Equal(original.Keys.Append("docs/added.md").Order(StringComparer.Ordinal), after.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("added", await client.GetFileTextAsync(id, "docs/added.md"));
    }

    [Fact]
    public async Task Import_merge_keeps_files_not_in_the_zip()
    {
        using var client = await factory.CreateClientForAsync("merge-user");
        var id = await client.CreateProjectIdAsync();
        var before = await client.TreeAsync(id);

        using var response = await ImportAsync(client, id, Zip(z => Add(z, "extra/Extra.kt", "class Extra")), mode: "merge");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var after = await client.TreeAsync(id);
        Assert.Equal(before.Keys.Append("extra/Extra.kt").Order(StringComparer.Ordinal), after.Keys);
    }

    [Fact]
    public async Task Import_with_a_stale_tree_etag_is_412_and_changes_nothing()
    {
        using var client = await factory.CreateClientForAsync("import-ifmatch-user");
        var id = await client.CreateProjectIdAsync();
        using var treeResponse = await client.GetAsync($"/v1/projects/{id}/tree", Ct);
        var treeTag = treeResponse.Headers.ETag!.ToString();
        using (await client.PutFileAsync(id, "meanwhile.txt", "someone else"))
        {
        }

        var before = await client.TreeAsync(id);

        using var response = await ImportAsync(client, id, Zip(z => Add(z, "a.txt", "a")), ifMatch: treeTag);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.PreconditionFailed);
        Assert.Equal(before, await client.TreeAsync(id));
    }

    public static TheoryData<string> HostileArchives => new()
    {
        "zip-slip", "zip-slip-nested", "absolute", "backslash", "drive-letter", "symlink", "device", "git-folder",
        "bomb-ratio", "bomb-size", "lying-header", "too-many-entries", "zip64-entry-flood", "duplicate", "file-and-folder", "not-a-zip", "empty", "control-char",
    };

    private static byte[] HostileArchive(string kind) => kind switch
    {
        "zip-slip" => Zip(z => { Add(z, "ok.txt", "fine"); Add(z, "../../evil.txt", "escaped"); }),
        "zip-slip-nested" => Zip(z => Add(z, "app/../../../evil.txt", "escaped")),
        "absolute" => Zip(z => Add(z, "/etc/cron.d/evil", "* * * * * root sh")),
        "backslash" => Zip(z => Add(z, "..\\..\\evil.txt", "escaped")),
        "drive-letter" => Zip(z => Add(z, "C:/Windows/evil.txt", "escaped")),
        "symlink" => Zip(z => { Add(z, "ok.txt", "fine"); Add(z, "link", "/etc/passwd", unixMode: UnixSymlink | 0x1FF); }),
        "device" => Zip(z => Add(z, "dev", string.Empty, unixMode: 0x2000 | 0x1B6)),
        "git-folder" => Zip(z => Add(z, ".git/hooks/post-checkout", "#!/bin/sh\nevil")),
        // 2 MB of zeros: under the per-file limit, but it compresses about 1000:1.
        "bomb-ratio" => Zip(z => AddBytes(z, "bomb.bin", new byte[2 * 1024 * 1024])),
        "bomb-size" => Zip(z => AddBytes(z, "huge.bin", new byte[6 * 1024 * 1024])),
        // 6 MB of zeros whose headers claim 100 bytes: the limits count what inflates, not what is claimed.
        "lying-header" => WithClaimedSize(Zip(z => AddBytes(z, "liar.bin", new byte[6 * 1024 * 1024])), 100),
        "too-many-entries" => Zip(z =>
        {
            for (var i = 0; i < 2001; i++)
            {
                Add(z, $"f/{i}.txt", "x");
            }
        }),
        // More entries than a plain zip can count: the zip64 end record holds the number.
        "zip64-entry-flood" => Zip(z =>
        {
            for (var i = 0; i < 70_000; i++)
            {
                z.CreateEntry(i.ToString(System.Globalization.CultureInfo.InvariantCulture), CompressionLevel.NoCompression);
            }
        }),
        "duplicate" => Zip(z => { Add(z, "same.txt", "one"); Add(z, "same.txt", "two"); }),
        "file-and-folder" => Zip(z => { Add(z, "thing", "file"); Add(z, "thing/inside.txt", "child"); }),
        "not-a-zip" => Encoding.UTF8.GetBytes("this is not a zip archive at all"),
        "empty" => Zip(_ => { }),
        "control-char" => Zip(z => Add(z, "bad\u0001name.txt", "x")),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>Rewrites the uncompressed size in every local and central header of a single-entry zip.</summary>
    private static byte[] WithClaimedSize(byte[] zip, uint claimed)
    {
        var patched = (byte[])zip.Clone();
        for (var i = 0; i + 30 < patched.Length; i++)
        {
            var signature = BitConverter.ToUInt32(patched, i);
            var offset = signature switch
            {
                0x04034b50 => 22, // local file header
                0x02014b50 => 24, // central directory header
                _ => -1,
            };
            if (offset > 0)
            {
                BitConverter.TryWriteBytes(patched.AsSpan(i + offset, 4), claimed);
            }
        }

        return patched;
    }

    [Theory]
    [MemberData(nameof(HostileArchives))]
    public async Task A_hostile_archive_is_a_4xx_problem_and_the_tree_is_unchanged(string kind)
    {
        using var client = await factory.CreateClientForAsync("hostile-zip-" + kind);
        var id = await client.CreateProjectIdAsync();
        var before = await client.TreeAsync(id);

        using var replace = await ImportAsync(client, id, HostileArchive(kind));
        var problem = await ProblemAssert.IsClientProblemAsync(replace);
        using var merge = await ImportAsync(client, id, HostileArchive(kind), mode: "merge");
        await ProblemAssert.IsClientProblemAsync(merge);

        Assert.Equal(before, await client.TreeAsync(id));
        if (kind == "bomb-ratio")
        {
            Assert.Contains("ratio", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        if (kind is "zip-slip" or "symlink" or "bomb-ratio" or "too-many-entries" or "zip64-entry-flood" or "lying-header")
        {
            Assert.Equal(422, problem.GetProperty("status").GetInt32());
            Assert.Equal("archive_rejected", problem.GetProperty("code").GetString());
        }
    }

    [Fact]
    public async Task An_archive_over_the_upload_limit_is_413()
    {
        using var client = await factory.CreateClientForAsync("big-zip-user");
        var id = await client.CreateProjectIdAsync();
        var before = await client.TreeAsync(id);

        using var response = await ImportAsync(client, id, new byte[50 * 1024 * 1024 + 1]);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal(before, await client.TreeAsync(id));
    }

    [Fact]
    public async Task An_unknown_mode_is_a_400()
    {
        using var client = await factory.CreateClientForAsync("mode-user");
        var id = await client.CreateProjectIdAsync();

        using var response = await ImportAsync(client, id, Zip(z => Add(z, "a.txt", "a")), mode: "append");

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "validation_failed");
    }

    [Fact]
    public async Task Merge_refuses_a_file_where_an_existing_folder_is()
    {
        using var client = await factory.CreateClientForAsync("merge-clash-user");
        var id = await client.CreateProjectIdAsync();
        var before = await client.TreeAsync(id);

        using var response = await ImportAsync(client, id, Zip(z => Add(z, "app", "a file named like the app folder")), mode: "merge");

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Conflict);
        Assert.Equal(before, await client.TreeAsync(id));
    }
}
