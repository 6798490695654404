using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using PocketCode.Storage.Blobs;
using PocketCode.Storage.Documents;
using PocketCode.Testing;
using Xunit;
using static PocketCode.Marketplace.Tests.Market;

[assembly: AssemblyFixture(typeof(SharedFirestoreEmulatorCleanup))]

namespace PocketCode.Marketplace.Tests;

/// <summary>The "Done when" lifecycle and concurrent-review checks, run on both stores (below).</summary>
public abstract class MarketplaceLifecycleTests<TFactory>(TFactory factory)
    where TFactory : ServiceFactory<Program>
{
    [Fact]
    public async Task Full_lifecycle_create_upload_confirm_search_download_review_profile_delete()
    {
        var author = "author-" + Guid.NewGuid().ToString("N")[..8];
        var documents = factory.Services.GetRequiredService<IDocumentStore>();
        await documents.SetAsync("users/" + author, new Dictionary<string, object?>
        {
            ["displayName"] = "Ada Author",
            ["bio"] = "Builds Compose things.",
            ["photoUrl"] = "https://example.com/ada.png",
        }, Ct);
        using var authorClient = await factory.CreateClientForAsync(author);
        using var reviewer = await factory.CreateClientForAsync("reviewer-" + Guid.NewGuid().ToString("N")[..8]);
        using var anonymous = factory.CreateClient();

        var id = await CreateAssetAsync(authorClient, title: "Compose Lifecycle Kit", tags: ["compose", "lifecycle"]);
        Assert.DoesNotContain(id, Ids(await SearchAsync(reviewer, "q=compo")));
        using (var draft = await reviewer.GetAsync($"/v1/marketplace/assets/{id}", Ct))
        {
            await ProblemAssert.IsProblemAsync(draft, HttpStatusCode.NotFound, "not_found");
        }

        var zip = TemplateZip("lifecycle");
        using (var confirmed = await PublishViaSignedUrlAsync(authorClient, id, "1.0.0", zip))
        {
            var version = await ReadJsonAsync(confirmed);
            Assert.Equal("published", version.GetProperty("status").GetString());
            Assert.Equal(Sha256(zip), version.GetProperty("sha256").GetString());
        }

        // Search: prefix of a title word, a tag, kind and author filters, each sort.
        Assert.Contains(id, Ids(await SearchAsync(reviewer, "q=compo")));
        Assert.Contains(id, Ids(await SearchAsync(reviewer, "q=LIFECYC&kind=template")));
        Assert.Contains(id, Ids(await SearchAsync(reviewer, "tag=lifecycle&sort=recency")));
        Assert.Contains(id, Ids(await SearchAsync(reviewer, $"q=compose+kit&author={author}&sort=downloads")));
        Assert.DoesNotContain(id, Ids(await SearchAsync(reviewer, "q=compo&kind=component")));
        Assert.DoesNotContain(id, Ids(await SearchAsync(reviewer, "q=compose+nothingmatches")));

        // Download: a signed URL that serves exactly the verified bytes, counted once per call.
        var link = await ReadJsonAsync(await reviewer.GetAsync($"/v1/marketplace/assets/{id}/versions/1.0.0/download", Ct));
        Assert.Equal(Sha256(zip), link.GetProperty("sha256").GetString());
        var url = new Uri(link.GetProperty("url").GetString()!);
        var downloaded = await anonymous.GetByteArrayAsync(url.PathAndQuery, Ct);
        Assert.Equal(zip, downloaded);
        using (var tampered = await anonymous.GetAsync(url.PathAndQuery.Replace("1.0.0", "2.0.0", StringComparison.Ordinal), Ct))
        {
            Assert.False(tampered.IsSuccessStatusCode);
        }

        var detail = await ReadJsonAsync(await reviewer.GetAsync($"/v1/marketplace/assets/{id}", Ct));
        Assert.Equal(1, detail.GetProperty("downloads").GetInt64());
        Assert.Equal("1.0.0", detail.GetProperty("latestVersion").GetString());
        Assert.Equal("1.0.0", detail.GetProperty("latest").GetProperty("version").GetString());

        // A second user reviews; the author cannot.
        await ReadJsonAsync(await reviewer.PutAsJsonAsync($"/v1/marketplace/assets/{id}/reviews/me", new { rating = 4, comment = "Nice" }, Ct));
        using (var own = await authorClient.PutAsJsonAsync($"/v1/marketplace/assets/{id}/reviews/me", new { rating = 5 }, Ct))
        {
            await ProblemAssert.IsProblemAsync(own, HttpStatusCode.Forbidden);
        }

        detail = await ReadJsonAsync(await reviewer.GetAsync($"/v1/marketplace/assets/{id}", Ct));
        Assert.Equal(1, detail.GetProperty("reviewCount").GetInt64());
        Assert.Equal(4.0, detail.GetProperty("averageRating").GetDouble());
        var reviews = await ReadJsonAsync(await reviewer.GetAsync($"/v1/marketplace/assets/{id}/reviews?sort=newest", Ct));
        Assert.Single(reviews.GetProperty("items").EnumerateArray());

        var profile = await ReadJsonAsync(await reviewer.GetAsync($"/v1/marketplace/creators/{author}", Ct));
        Assert.Equal("Ada Author", profile.GetProperty("displayName").GetString());
        Assert.Equal("Builds Compose things.", profile.GetProperty("bio").GetString());
        Assert.Equal(1, profile.GetProperty("totals").GetProperty("assets").GetInt64());
        Assert.Equal(1, profile.GetProperty("totals").GetProperty("downloads").GetInt64());
        Assert.Equal(4.0, profile.GetProperty("totals").GetProperty("averageRating").GetDouble());
        Assert.Equal(id, profile.GetProperty("assets")[0].GetProperty("id").GetString());

        // A second version streamed through the service becomes the latest; its changelog renders safely.
        using (var second = await PublishViaServiceAsync(authorClient, id, "1.1.0", TemplateZip("second")))
        {
            var version = await ReadJsonAsync(second);
            Assert.DoesNotContain("<script", version.GetProperty("changelogHtml").GetString(), StringComparison.OrdinalIgnoreCase);
        }

        detail = await ReadJsonAsync(await reviewer.GetAsync($"/v1/marketplace/assets/{id}", Ct));
        Assert.Equal("1.1.0", detail.GetProperty("latestVersion").GetString());
        Assert.Equal(["1.1.0", "1.0.0"], detail.GetProperty("versions").EnumerateArray().Select(v => v.GetProperty("version").GetString()!).ToArray());

        // Published versions are immutable.
        using (var again = await authorClient.PostAsJsonAsync($"/v1/marketplace/assets/{id}/versions", new { version = "1.0.0", changelog = "x", sha256 = Sha256(zip), size = zip.Length }, Ct))
        {
            await ProblemAssert.IsProblemAsync(again, HttpStatusCode.Conflict);
        }

        // The author deletes it: gone from search, detail and downloads, files purged.
        using (var deleted = await authorClient.DeleteAsync($"/v1/marketplace/assets/{id}", Ct))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        Assert.DoesNotContain(id, Ids(await SearchAsync(reviewer, "q=compo")));
        using (var gone = await reviewer.GetAsync($"/v1/marketplace/assets/{id}", Ct))
        {
            await ProblemAssert.IsProblemAsync(gone, HttpStatusCode.NotFound);
        }

        using (var noDownload = await reviewer.GetAsync($"/v1/marketplace/assets/{id}/versions/1.0.0/download", Ct))
        {
            await ProblemAssert.IsProblemAsync(noDownload, HttpStatusCode.NotFound);
        }

        var blobs = factory.Services.GetRequiredService<IBlobStore>();
        Assert.Empty((await blobs.ListAsync(BucketNames.MarketplaceAssets, id + "/", cancellationToken: Ct)).Items);
        using (var oldLink = await anonymous.GetAsync(url.PathAndQuery, Ct))
        {
            Assert.False(oldLink.IsSuccessStatusCode);
        }
    }

    [Fact]
    public async Task Hundred_concurrent_reviews_leave_exact_aggregates_and_a_second_review_counts_once()
    {
        using var author = await factory.CreateClientForAsync("author-" + Guid.NewGuid().ToString("N")[..8]);
        var id = await CreateAssetAsync(author, title: "Concurrency Kit");
        await ReadJsonAsync(await PublishViaSignedUrlAsync(author, id, "1.0.0", TemplateZip()));

        var tokens = await Task.WhenAll(Enumerable.Range(0, 100).Select(i => factory.MintTokenAsync($"rev-{i:D3}-{id[..6]}")));
        var clients = tokens.Select(token =>
        {
            var client = factory.CreateClient();
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
            return client;
        }).ToList();
        try
        {
            var responses = await Task.WhenAll(clients.Select((client, i) =>
                client.PutAsJsonAsync($"/v1/marketplace/assets/{id}/reviews/me", new { rating = (i % 5) + 1, comment = $"review {i}" }, Ct)));
            foreach (var response in responses)
            {
                await ReadJsonAsync(response);
                response.Dispose();
            }

            var expectedSum = Enumerable.Range(0, 100).Sum(i => (i % 5) + 1);
            var detail = await ReadJsonAsync(await author.GetAsync($"/v1/marketplace/assets/{id}", Ct));
            Assert.Equal(100, detail.GetProperty("reviewCount").GetInt64());
            Assert.Equal(expectedSum / 100.0, detail.GetProperty("averageRating").GetDouble(), 10);

            // User 0 (rated 1) reviews twice more, concurrently: still one review, now rated 5.
            var twice = await Task.WhenAll(
                clients[0].PutAsJsonAsync($"/v1/marketplace/assets/{id}/reviews/me", new { rating = 5 }, Ct),
                clients[0].PutAsJsonAsync($"/v1/marketplace/assets/{id}/reviews/me", new { rating = 5 }, Ct));
            foreach (var response in twice)
            {
                await ReadJsonAsync(response);
                response.Dispose();
            }

            detail = await ReadJsonAsync(await author.GetAsync($"/v1/marketplace/assets/{id}", Ct));
            Assert.Equal(100, detail.GetProperty("reviewCount").GetInt64());
            Assert.Equal((expectedSum + 4) / 100.0, detail.GetProperty("averageRating").GetDouble(), 10);
            var raw = await factory.Services.GetRequiredService<IDocumentStore>().GetAsync("marketplace_assets/" + id, Ct);
            Assert.Equal(expectedSum + 4, raw!.GetInt64("ratingSum"));

            // Paging through all reviews visits each once.
            var seen = new HashSet<string>();
            string? token = null;
            do
            {
                var page = await ReadJsonAsync(await author.GetAsync($"/v1/marketplace/assets/{id}/reviews?pageSize=30" + (token is null ? "" : "&pageToken=" + token), Ct));
                foreach (var item in page.GetProperty("items").EnumerateArray())
                {
                    Assert.True(seen.Add(item.GetProperty("id").GetString()!));
                }

                token = page.TryGetProperty("nextPageToken", out var next) && next.ValueKind == System.Text.Json.JsonValueKind.String ? next.GetString() : null;
            }
            while (token is not null);
            Assert.Equal(100, seen.Count);
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }
    }
}

public sealed class SqliteMarketplaceLifecycleTests(ServiceFactory<Program> factory)
    : MarketplaceLifecycleTests<ServiceFactory<Program>>(factory), IClassFixture<ServiceFactory<Program>>;

public sealed class FirestoreMarketplaceLifecycleTests(FirestoreServiceFactory<Program> factory)
    : MarketplaceLifecycleTests<FirestoreServiceFactory<Program>>(factory), IClassFixture<FirestoreServiceFactory<Program>>;
