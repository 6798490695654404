using System.Net;
using System.Net.Http.Json;
using PocketCode.Testing;
using Xunit;
using static PocketCode.Marketplace.Tests.Market;

namespace PocketCode.Marketplace.Tests;

/// <summary>Only the author changes or deletes an asset; only admins hide and restore content.</summary>
public sealed class AuthorizationTests(ServiceFactory<Program> factory) : IClassFixture<ServiceFactory<Program>>
{
    [Fact]
    public async Task Another_user_cannot_change_delete_or_publish_an_asset()
    {
        using var author = await factory.CreateClientForAsync("owner-a");
        using var intruder = await factory.CreateClientForAsync("intruder-a");
        var id = await CreateAssetAsync(author, title: "Owned Asset");
        var zip = TemplateZip();

        // While a draft, others cannot even see it.
        using (var read = await intruder.GetAsync($"/v1/marketplace/assets/{id}", Ct))
        {
            await ProblemAssert.IsProblemAsync(read, HttpStatusCode.NotFound);
        }

        using (var declare = await intruder.PostAsJsonAsync($"/v1/marketplace/assets/{id}/versions", new { version = "1.0.0", changelog = "", sha256 = Sha256(zip), size = zip.Length }, Ct))
        {
            await ProblemAssert.IsProblemAsync(declare, HttpStatusCode.Forbidden);
        }

        await ReadJsonAsync(await PublishViaSignedUrlAsync(author, id, "1.0.0", zip));

        using (var patch = await intruder.PatchAsJsonAsync($"/v1/marketplace/assets/{id}", new { title = "Stolen" }, Ct))
        {
            await ProblemAssert.IsProblemAsync(patch, HttpStatusCode.Forbidden);
        }

        using (var delete = await intruder.DeleteAsync($"/v1/marketplace/assets/{id}", Ct))
        {
            await ProblemAssert.IsProblemAsync(delete, HttpStatusCode.Forbidden);
        }

        using (var declare = await intruder.PostAsJsonAsync($"/v1/marketplace/assets/{id}/versions", new { version = "2.0.0", changelog = "", sha256 = Sha256(zip), size = zip.Length }, Ct))
        {
            await ProblemAssert.IsProblemAsync(declare, HttpStatusCode.Forbidden);
        }

        using (var confirm = await intruder.PostAsync($"/v1/marketplace/assets/{id}/versions/1.0.0/confirm", null, Ct))
        {
            await ProblemAssert.IsProblemAsync(confirm, HttpStatusCode.Forbidden);
        }

        using (var upload = await intruder.PutAsync($"/v1/marketplace/assets/{id}/versions/1.0.0/file", new ByteArrayContent(zip), Ct))
        {
            await ProblemAssert.IsProblemAsync(upload, HttpStatusCode.Forbidden);
        }

        using (var deleteReview = await intruder.DeleteAsync($"/v1/marketplace/assets/{id}/reviews/me", Ct))
        {
            await ProblemAssert.IsProblemAsync(deleteReview, HttpStatusCode.NotFound);
        }

        var detail = await ReadJsonAsync(await intruder.GetAsync($"/v1/marketplace/assets/{id}", Ct));
        Assert.Equal("Owned Asset", detail.GetProperty("title").GetString());

        // The author can.
        var changed = await ReadJsonAsync(await author.PatchAsJsonAsync($"/v1/marketplace/assets/{id}", new { title = "Renamed Widget", tags = new[] { "widgets" } }, Ct));
        Assert.Equal("Renamed Widget", changed.GetProperty("title").GetString());
        Assert.Contains(id, Ids(await SearchAsync(intruder, "q=widg")));
        Assert.DoesNotContain(id, Ids(await SearchAsync(intruder, "q=owned")));
    }

    [Fact]
    public async Task Only_admins_hide_and_restore_assets_and_reviews_and_read_reports()
    {
        using var author = await factory.CreateClientForAsync("owner-b");
        using var reviewer = await factory.CreateClientForAsync("reviewer-b");
        using var admin = await factory.CreateClientForAsync("admin-b", null, new Dictionary<string, object> { ["admin"] = true });
        var id = await CreateAssetAsync(author, title: "Moderated Asset");
        await ReadJsonAsync(await PublishViaSignedUrlAsync(author, id, "1.0.0", TemplateZip()));
        var review = await ReadJsonAsync(await reviewer.PutAsJsonAsync($"/v1/marketplace/assets/{id}/reviews/me", new { rating = 2, comment = "spam spam" }, Ct));
        var reviewId = review.GetProperty("id").GetString()!;

        using (var report = await reviewer.PostAsJsonAsync($"/v1/marketplace/assets/{id}/reports", new { reason = "Looks like malware" }, Ct))
        {
            Assert.Equal(HttpStatusCode.Accepted, report.StatusCode);
        }

        using (var report = await author.PostAsJsonAsync($"/v1/marketplace/reviews/{reviewId}/reports", new { reason = "Spam" }, Ct))
        {
            Assert.Equal(HttpStatusCode.Accepted, report.StatusCode);
        }

        using (var emptyReason = await author.PostAsJsonAsync($"/v1/marketplace/reviews/{reviewId}/reports", new { reason = "" }, Ct))
        {
            await ProblemAssert.IsValidationProblemAsync(emptyReason, "reason");
        }

        foreach (var (client, path) in new[]
        {
            (author, $"/v1/marketplace/admin/assets/{id}/hide"),
            (reviewer, $"/v1/marketplace/admin/assets/{id}/hide"),
            (author, $"/v1/marketplace/admin/reviews/{reviewId}/hide"),
            (reviewer, $"/v1/marketplace/admin/reviews/{reviewId}/restore"),
        })
        {
            using var refused = await client.PostAsync(path, null, Ct);
            await ProblemAssert.IsProblemAsync(refused, HttpStatusCode.Forbidden);
        }

        using (var reports = await reviewer.GetAsync("/v1/marketplace/admin/reports", Ct))
        {
            await ProblemAssert.IsProblemAsync(reports, HttpStatusCode.Forbidden);
        }

        var open = await ReadJsonAsync(await admin.GetAsync("/v1/marketplace/admin/reports", Ct));
        Assert.Equal(2, open.GetProperty("items").GetArrayLength());

        // Hiding the review removes it from the list and the aggregates; restoring puts it back.
        await ReadJsonAsync(await admin.PostAsync($"/v1/marketplace/admin/reviews/{reviewId}/hide", null, Ct));
        var detail = await ReadJsonAsync(await reviewer.GetAsync($"/v1/marketplace/assets/{id}", Ct));
        Assert.Equal(0, detail.GetProperty("reviewCount").GetInt64());
        Assert.Empty((await ReadJsonAsync(await reviewer.GetAsync($"/v1/marketplace/assets/{id}/reviews", Ct))).GetProperty("items").EnumerateArray());
        await ReadJsonAsync(await admin.PostAsync($"/v1/marketplace/admin/reviews/{reviewId}/restore", null, Ct));
        detail = await ReadJsonAsync(await reviewer.GetAsync($"/v1/marketplace/assets/{id}", Ct));
        Assert.Equal(1, detail.GetProperty("reviewCount").GetInt64());
        Assert.Equal(2.0, detail.GetProperty("averageRating").GetDouble());

        // Hiding the asset removes it for everyone but the author and admins.
        await ReadJsonAsync(await admin.PostAsync($"/v1/marketplace/admin/assets/{id}/hide", null, Ct));
        Assert.DoesNotContain(id, Ids(await SearchAsync(reviewer, "q=moderated")));
        using (var hidden = await reviewer.GetAsync($"/v1/marketplace/assets/{id}", Ct))
        {
            await ProblemAssert.IsProblemAsync(hidden, HttpStatusCode.NotFound);
        }

        Assert.True((await ReadJsonAsync(await author.GetAsync($"/v1/marketplace/assets/{id}", Ct))).GetProperty("hidden").GetBoolean());
        await ReadJsonAsync(await admin.PostAsync($"/v1/marketplace/admin/assets/{id}/restore", null, Ct));
        Assert.Contains(id, Ids(await SearchAsync(reviewer, "q=moderated")));
    }

    [Fact]
    public async Task Helpful_votes_count_once_per_user_and_order_the_reviews()
    {
        using var author = await factory.CreateClientForAsync("owner-c");
        using var first = await factory.CreateClientForAsync("first-c");
        using var second = await factory.CreateClientForAsync("second-c");
        var id = await CreateAssetAsync(author, title: "Helpful Asset");
        await ReadJsonAsync(await PublishViaSignedUrlAsync(author, id, "1.0.0", TemplateZip()));
        var a = (await ReadJsonAsync(await first.PutAsJsonAsync($"/v1/marketplace/assets/{id}/reviews/me", new { rating = 5 }, Ct))).GetProperty("id").GetString()!;
        var b = (await ReadJsonAsync(await second.PutAsJsonAsync($"/v1/marketplace/assets/{id}/reviews/me", new { rating = 3 }, Ct))).GetProperty("id").GetString()!;
        await ReadJsonAsync(await author.PostAsync($"/v1/marketplace/reviews/{a}/helpful", null, Ct));
        var voted = await ReadJsonAsync(await author.PostAsync($"/v1/marketplace/reviews/{a}/helpful", null, Ct));
        Assert.Equal(1, voted.GetProperty("helpful").GetInt64());
        using (var own = await first.PostAsync($"/v1/marketplace/reviews/{a}/helpful", null, Ct))
        {
            await ProblemAssert.IsProblemAsync(own, HttpStatusCode.Forbidden);
        }

        var helpful = await ReadJsonAsync(await author.GetAsync($"/v1/marketplace/assets/{id}/reviews?sort=helpful", Ct));
        Assert.Equal([a, b], helpful.GetProperty("items").EnumerateArray().Select(r => r.GetProperty("id").GetString()!).ToArray());
        var newest = await ReadJsonAsync(await author.GetAsync($"/v1/marketplace/assets/{id}/reviews?sort=newest", Ct));
        Assert.Equal([b, a], newest.GetProperty("items").EnumerateArray().Select(r => r.GetProperty("id").GetString()!).ToArray());
        using var bad = await author.GetAsync($"/v1/marketplace/assets/{id}/reviews?sort=loudest", Ct);
        await ProblemAssert.IsValidationProblemAsync(bad, "sort");
    }

    [Fact]
    public async Task Bad_asset_input_is_a_400_and_creates_nothing()
    {
        using var author = await factory.CreateClientForAsync("owner-d");
        foreach (var (body, field) in new (object Body, string Field)[]
        {
            (new { kind = "plugin", title = "Valid Title", license = "MIT" }, "kind"),
            (new { kind = "template", title = "x", license = "MIT" }, "title"),
            (new { kind = "template", title = "Valid Title", license = "not a licence!" }, "license"),
            (new { kind = "template", title = "Valid Title", license = "MIT", tags = new[] { "Bad Tag!" } }, "tags"),
        })
        {
            using var response = await author.PostAsJsonAsync("/v1/marketplace/assets", body, Ct);
            await ProblemAssert.IsValidationProblemAsync(response, field);
        }

        Assert.Empty(Ids(await SearchAsync(author, $"author=owner-d")));
    }
}
