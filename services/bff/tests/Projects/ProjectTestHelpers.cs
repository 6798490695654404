using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using PocketCode.Storage.Blobs;
using PocketCode.Storage.Documents;
using PocketCode.Testing;
using Xunit;

namespace PocketCode.Bff.Tests.Projects;

/// <summary>Calls of the projects API the tests share.</summary>
internal static class ProjectApi
{
    public static async Task<JsonElement> CreateProjectAsync(this HttpClient client, string name = "My App", string applicationId = "com.example.myapp", string? idempotencyKey = null)
    {
        using var response = await client.PostCreateAsync(name, applicationId, idempotencyKey);
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"create answered {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    public static Task<HttpResponseMessage> PostCreateAsync(this HttpClient client, string name, string applicationId, string? idempotencyKey = null, string? template = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/projects")
        {
            Content = JsonContent.Create(template is null ? new { name, applicationId } : (object)new { name, applicationId, template }),
        };
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        return client.SendAsync(request, Ct);
    }

    public static async Task<string> CreateProjectIdAsync(this HttpClient client, string name = "My App", string applicationId = "com.example.myapp") =>
        (await client.CreateProjectAsync(name, applicationId)).GetProperty("id").GetString()!;

    /// <summary>path → etag of every file.</summary>
    public static async Task<SortedDictionary<string, string>> TreeAsync(this HttpClient client, string projectId)
    {
        using var response = await client.GetAsync($"/v1/projects/{projectId}/tree", Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var tree = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement;
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in tree.GetProperty("files").EnumerateArray())
        {
            result[file.GetProperty("path").GetString()!] = file.GetProperty("etag").GetString()!;
        }

        return result;
    }

    public static async Task<HttpResponseMessage> PutFileAsync(this HttpClient client, string projectId, string path, string content, string? ifMatch = null, bool createOnly = false)
    {
        var request = new HttpRequestMessage(HttpMethod.Put, $"/v1/projects/{projectId}/files/{path}")
        {
            Content = new StringContent(content, Encoding.UTF8, "text/plain"),
        };
        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }

        if (createOnly)
        {
            request.Headers.TryAddWithoutValidation("If-None-Match", "*");
        }

        return await client.SendAsync(request, Ct);
    }

    public static async Task<string> GetFileTextAsync(this HttpClient client, string projectId, string path)
    {
        using var response = await client.GetAsync($"/v1/projects/{projectId}/files/{path}", Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync(Ct);
    }

    public static async Task<List<string>> ListAllProjectIdsAsync(this HttpClient client)
    {
        var ids = new List<string>();
        string? token = null;
        do
        {
            var url = "/v1/projects?pageSize=100" + (token is null ? string.Empty : "&pageToken=" + Uri.EscapeDataString(token));
            var page = (await client.GetFromJsonAsync<JsonElement>(url, Ct));
            ids.AddRange(page.GetProperty("projects").EnumerateArray().Select(p => p.GetProperty("id").GetString()!));
            token = page.GetProperty("nextPageToken").GetString();
        }
        while (token is not null);

        return ids;
    }
}

/// <summary>Wraps the real blob store; fails the puts, lists or deletes a test selects.</summary>
public sealed class FailingBlobStore(IBlobStore inner) : IBlobStore
{
    private int _puts;

    public Func<string, bool>? FailPut { get; set; }

    public Func<string, bool>? FailDelete { get; set; }

    public int Puts => _puts;

    public Task<BlobInfo> PutAsync(string bucket, string name, Stream content, BlobWriteOptions? options = null, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _puts);
        return FailPut?.Invoke(name) == true
            ? throw new BlobStoreException($"Injected failure writing '{name}'.")
            : inner.PutAsync(bucket, name, content, options, cancellationToken);
    }

    public Task<BlobReader?> OpenReadAsync(string bucket, string name, CancellationToken cancellationToken = default) => inner.OpenReadAsync(bucket, name, cancellationToken);

    public Task<BlobInfo?> GetInfoAsync(string bucket, string name, CancellationToken cancellationToken = default) => inner.GetInfoAsync(bucket, name, cancellationToken);

    public Task<BlobPage> ListAsync(string bucket, string prefix, int pageSize = 1000, string? pageToken = null, CancellationToken cancellationToken = default) =>
        inner.ListAsync(bucket, prefix, pageSize, pageToken, cancellationToken);

    public Task<BlobInfo> CopyAsync(string sourceBucket, string sourceName, string targetBucket, string targetName, BlobWriteOptions? options = null, CancellationToken cancellationToken = default) =>
        inner.CopyAsync(sourceBucket, sourceName, targetBucket, targetName, options, cancellationToken);

    public Task<bool> DeleteAsync(string bucket, string name, long? ifGenerationMatch = null, CancellationToken cancellationToken = default) =>
        FailDelete?.Invoke(name) == true
            ? throw new BlobStoreException($"Injected failure deleting '{name}'.")
            : inner.DeleteAsync(bucket, name, ifGenerationMatch, cancellationToken);

    public Task<Uri> CreateSignedUrlAsync(string bucket, string name, SignedUrlMethod method, TimeSpan lifetime, string? contentType = null, CancellationToken cancellationToken = default) =>
        inner.CreateSignedUrlAsync(bucket, name, method, lifetime, contentType, cancellationToken);

    public Task PingAsync(CancellationToken cancellationToken = default) => inner.PingAsync(cancellationToken);
}

/// <summary>Wraps the real document store; fails the creates a test selects, before or after they commit.</summary>
public sealed class FailingDocumentStore(IDocumentStore inner) : IDocumentStore
{
    public Func<string, bool>? FailCreate { get; set; }

    /// <summary>The write happens, then the call reports an error (a timeout after the commit).</summary>
    public Func<string, bool>? FailCreateAfterCommit { get; set; }

    public Task<DocumentSnapshot?> GetAsync(string path, CancellationToken cancellationToken = default) => inner.GetAsync(path, cancellationToken);

    public async Task<WriteResult> CreateAsync(string path, IReadOnlyDictionary<string, object?> data, CancellationToken cancellationToken = default)
    {
        if (FailCreate?.Invoke(path) == true)
        {
            throw new DocumentStoreException($"Injected failure creating '{path}'.");
        }

        var result = await inner.CreateAsync(path, data, cancellationToken);
        return FailCreateAfterCommit?.Invoke(path) == true
            ? throw new DocumentStoreException($"Injected failure after creating '{path}'.")
            : result;
    }

    public Task<WriteResult> SetAsync(string path, IReadOnlyDictionary<string, object?> data, CancellationToken cancellationToken = default) => inner.SetAsync(path, data, cancellationToken);

    public Task<WriteResult> UpdateAsync(string path, IReadOnlyDictionary<string, object?> fields, Precondition? precondition = null, CancellationToken cancellationToken = default) =>
        inner.UpdateAsync(path, fields, precondition, cancellationToken);

    public Task DeleteAsync(string path, Precondition? precondition = null, CancellationToken cancellationToken = default) => inner.DeleteAsync(path, precondition, cancellationToken);

    public Task<QueryResult> QueryAsync(DocumentQuery query, CancellationToken cancellationToken = default) => inner.QueryAsync(query, cancellationToken);

    public Task<T> RunTransactionAsync<T>(Func<IDocumentTransaction, CancellationToken, Task<T>> work, TransactionOptions? options = null, CancellationToken cancellationToken = default) =>
        inner.RunTransactionAsync(work, options, cancellationToken);

    public Task PingAsync(CancellationToken cancellationToken = default) => inner.PingAsync(cancellationToken);
}

/// <summary>The BFF with its blob and document stores wrapped in failing decorators through DI.</summary>
public sealed class FailingStoresFactory : ServiceFactory<Program>
{
    public FailingBlobStore Store => (FailingBlobStore)Services.GetRequiredService<IBlobStore>();

    public FailingDocumentStore DocumentStore => (FailingDocumentStore)Services.GetRequiredService<IDocumentStore>();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services =>
        {
            Decorate<IBlobStore>(services, inner => new FailingBlobStore(inner));
            Decorate<IDocumentStore>(services, inner => new FailingDocumentStore(inner));
        });
    }

    private static void Decorate<TService>(IServiceCollection services, Func<TService, TService> decorate)
        where TService : class
    {
        var original = services.Last(d => d.ServiceType == typeof(TService));
        services.Remove(original);
        services.AddSingleton(sp => decorate(original.ImplementationFactory is { } factory
            ? (TService)factory(sp)
            : (TService)original.ImplementationInstance!));
    }
}
