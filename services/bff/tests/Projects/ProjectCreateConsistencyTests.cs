using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using PocketCode.Storage.Blobs;
using PocketCode.Storage.Documents;
using PocketCode.Testing;
using Xunit;
using static PocketCode.Bff.Tests.Projects.ProjectApi;

namespace PocketCode.Bff.Tests.Projects;

/// <summary>The two stores stay consistent, and Idempotency-Key makes creates safe to retry.</summary>
public sealed class ProjectCreateConsistencyTests(FailingStoresFactory factory) : IClassFixture<FailingStoresFactory>
{
    private IDocumentStore Documents => factory.Services.GetRequiredService<IDocumentStore>();

    private async Task<int> ProjectDocumentsOfAsync(string uid) =>
        (await Documents.QueryAsync(new DocumentQuery("projects").Where("ownerUid", FilterOperator.Equal, uid), Ct)).Documents.Count;

    private async Task<int> BlobsOfAsync(string uid) =>
        (await factory.Store.ListAsync(BucketNames.ProjectSourceFiles, uid + "/", cancellationToken: Ct)).Items.Count;

    [Fact]
    public async Task A_create_whose_blob_write_fails_leaves_no_document_and_no_files()
    {
        const string uid = "blob-fail-user";
        using var client = await factory.CreateClientForAsync(uid);
        // Fail half-way through the template, after several files were written.
        factory.Store.FailPut = name => name.StartsWith(uid + "/", StringComparison.Ordinal) && name.EndsWith("MainActivity.kt", StringComparison.Ordinal);
        try
        {
            using var response = await client.PostCreateAsync("Doomed", "com.example.doomed");

            await ProblemAssert.IsProblemAsync(response, HttpStatusCode.InternalServerError);
        }
        finally
        {
            factory.Store.FailPut = null;
        }

        Assert.Equal(0, await ProjectDocumentsOfAsync(uid));
        Assert.Equal(0, await BlobsOfAsync(uid));
        Assert.Empty(await client.ListAllProjectIdsAsync());
    }

    [Fact]
    public async Task A_create_whose_document_write_fails_leaves_no_files()
    {
        const string uid = "doc-fail-user";
        using var client = await factory.CreateClientForAsync(uid);
        factory.DocumentStore.FailCreate = path => path.StartsWith("projects/", StringComparison.Ordinal);
        try
        {
            using var response = await client.PostCreateAsync("Doomed", "com.example.doomed");

            await ProblemAssert.IsProblemAsync(response, HttpStatusCode.InternalServerError);
        }
        finally
        {
            factory.DocumentStore.FailCreate = null;
        }

        Assert.Equal(0, await ProjectDocumentsOfAsync(uid));
        Assert.Equal(0, await BlobsOfAsync(uid));
    }

    [Fact]
    public async Task A_document_write_that_committed_despite_an_error_keeps_the_project_and_its_files()
    {
        const string uid = "doc-ambiguous-user";
        using var client = await factory.CreateClientForAsync(uid);
        factory.DocumentStore.FailCreateAfterCommit = path => path.StartsWith("projects/", StringComparison.Ordinal);
        JsonElement project;
        try
        {
            project = await client.CreateProjectAsync("Kept", "com.example.kept");
        }
        finally
        {
            factory.DocumentStore.FailCreateAfterCommit = null;
        }

        var id = project.GetProperty("id").GetString()!;
        Assert.Equal([id], await client.ListAllProjectIdsAsync());
        Assert.Contains("app/build.gradle.kts", (await client.TreeAsync(id)).Keys);
    }

    [Fact]
    public async Task A_create_that_fails_can_be_retried_with_the_same_key_and_then_succeeds()
    {
        const string uid = "retry-after-failure-user";
        using var client = await factory.CreateClientForAsync(uid);
        var key = Guid.NewGuid().ToString();
        factory.Store.FailPut = name => name.StartsWith(uid + "/", StringComparison.Ordinal) && name.EndsWith("strings.xml", StringComparison.Ordinal);
        try
        {
            using var failed = await client.PostCreateAsync("Retry", "com.example.retry", key);
            await ProblemAssert.IsProblemAsync(failed, HttpStatusCode.InternalServerError);
        }
        finally
        {
            factory.Store.FailPut = null;
        }

        var project = await client.CreateProjectAsync("Retry", "com.example.retry", key);

        Assert.Equal([project.GetProperty("id").GetString()!], await client.ListAllProjectIdsAsync());
        Assert.Equal(1, await ProjectDocumentsOfAsync(uid));
    }

    [Fact]
    public async Task The_same_key_with_a_different_body_is_a_409_problem()
    {
        using var client = await factory.CreateClientForAsync("key-reuse-user");
        var key = Guid.NewGuid().ToString();
        await client.CreateProjectAsync("First", "com.example.first", key);

        using var response = await client.PostCreateAsync("Second", "com.example.second", key);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Conflict, "conflict");
        Assert.Single(await client.ListAllProjectIdsAsync());
    }

    [Fact]
    public async Task Keys_belong_to_one_user()
    {
        var key = Guid.NewGuid().ToString();
        using var alice = await factory.CreateClientForAsync("key-alice");
        using var bob = await factory.CreateClientForAsync("key-bob");

        var a = await alice.CreateProjectAsync("Shared key", "com.example.shared", key);
        var b = await bob.CreateProjectAsync("Shared key", "com.example.shared", key);

        Assert.NotEqual(a.GetProperty("id").GetString(), b.GetProperty("id").GetString());
    }

    [Fact]
    public async Task An_oversized_key_is_a_validation_problem()
    {
        using var client = await factory.CreateClientForAsync("long-key-user");

        using var response = await client.PostCreateAsync("App", "com.example.app", new string('k', 256));

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "validation_failed");
        Assert.Empty(await client.ListAllProjectIdsAsync());
    }

    [Fact]
    public async Task A_delete_that_fails_half_way_hides_the_project_and_a_retry_finishes_it()
    {
        const string uid = "half-delete-user";
        using var client = await factory.CreateClientForAsync(uid);
        var id = await client.CreateProjectIdAsync("Half", "com.example.half");
        factory.Store.FailDelete = name => name.StartsWith($"{uid}/{id}/app/", StringComparison.Ordinal);
        try
        {
            using var failed = await client.DeleteAsync($"/v1/projects/{id}", Ct);
            await ProblemAssert.IsProblemAsync(failed, HttpStatusCode.InternalServerError);
        }
        finally
        {
            factory.Store.FailDelete = null;
        }

        // Hidden meanwhile: not listed, not readable, files not reachable.
        Assert.Empty(await client.ListAllProjectIdsAsync());
        using (var hidden = await client.GetAsync($"/v1/projects/{id}", Ct))
        {
            await ProblemAssert.IsProblemAsync(hidden, HttpStatusCode.NotFound);
        }

        using (var tree = await client.GetAsync($"/v1/projects/{id}/tree", Ct))
        {
            await ProblemAssert.IsProblemAsync(tree, HttpStatusCode.NotFound);
        }

        Assert.True(await BlobsOfAsync(uid) > 0);

        using var retried = await client.DeleteAsync($"/v1/projects/{id}", Ct);

        Assert.Equal(HttpStatusCode.NoContent, retried.StatusCode);
        Assert.Equal(0, await BlobsOfAsync(uid));
        Assert.Equal(0, await ProjectDocumentsOfAsync(uid));
    }
}
