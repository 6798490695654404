using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using PocketCode.Testing;
using Xunit;
using static PocketCode.Marketplace.Tests.Market;

namespace PocketCode.Marketplace.Tests.Security;

/// <summary>
/// The marketplace's authorization matrix (engine: <see cref="AuthorizationMatrixTests{TProgram}"/>):
/// user A authors a published asset (the {id} of every route), keeps a draft nobody else may see and
/// has reviewed another creator's asset (the {reviewId}). Published content is public to signed-in
/// users, so reads of it are listed below with their reason; every change to A's content must fail.
/// </summary>
public sealed class MarketplaceAuthorizationMatrixTests(ServiceFactory<Program> factory)
    : AuthorizationMatrixTests<Program>(factory), IClassFixture<ServiceFactory<Program>>
{
    private const string DraftTitle = "Matrix Secret Draft Title";
    private const string ReviewText = "matrix review by user a";

    protected override IReadOnlyDictionary<string, (Access Access, string Reason)> AllowedForOtherUsers { get; } =
        new Dictionary<string, (Access, string)>
        {
            ["GET /v1/marketplace/whoami"] = (Access.CallerScoped, "the caller's own identity"),
            ["POST /v1/marketplace/assets"] = (Access.CallerScoped, "creates an asset authored by the caller"),
            ["GET /v1/marketplace/search"] = (Access.PublicRead, "search lists published assets to every signed-in user (drafts never: the draft's title is a marker)"),
            ["GET /v1/marketplace/highlights"] = (Access.PublicRead, "home-screen highlights of published templates"),
            ["GET /v1/marketplace/creators/{uid}"] = (Access.PublicRead, "a creator's public profile and published assets"),
            ["GET /v1/marketplace/assets/{id}"] = (Access.PublicRead, "a published asset's detail page"),
            ["GET /v1/marketplace/assets/{id}/versions/{version}"] = (Access.PublicRead, "a published version's detail"),
            ["GET /v1/marketplace/assets/{id}/versions/{version}/download"] = (Access.PublicRead, "published versions are downloadable by every signed-in user (counted)"),
            ["GET /v1/marketplace/assets/{id}/reviews"] = (Access.PublicRead, "reviews of a published asset are public"),
            ["PUT /v1/marketplace/assets/{id}/reviews/me"] = (Access.CallerScoped, "the caller's own review of someone else's asset"),
            ["DELETE /v1/marketplace/assets/{id}/reviews/me"] = (Access.CallerScoped, "deletes only the caller's own review"),
            ["POST /v1/marketplace/reviews/{reviewId}/helpful"] = (Access.PublicRead, "any signed-in user may mark another's review helpful (once); only the counter moves"),
            ["POST /v1/marketplace/assets/{id}/reports"] = (Access.PublicRead, "any signed-in user may report content to the moderators"),
            ["POST /v1/marketplace/reviews/{reviewId}/reports"] = (Access.PublicRead, "any signed-in user may report content to the moderators"),
        };

    protected override async Task SeedAsync(MatrixSeed seed)
    {
        var owner = seed.Owner;
        var id = await CreateAssetAsync(owner, title: "Matrix Published Asset");
        await ReadJsonAsync(await PublishViaSignedUrlAsync(owner, id, "1.0.0", TemplateZip("matrix")));
        var draft = await CreateAssetAsync(owner, title: DraftTitle);

        using var creator = await Factory.CreateClientForAsync("matrix-user-c");
        var other = await CreateAssetAsync(creator, title: "Matrix Other Creator Asset");
        await ReadJsonAsync(await PublishViaSignedUrlAsync(creator, other, "1.0.0", TemplateZip("other")));
        using var review = await owner.PutAsJsonAsync($"/v1/marketplace/assets/{other}/reviews/me", new { rating = 4, comment = ReviewText }, Ct);
        var reviewBody = await review.Content.ReadAsStringAsync(Ct);
        Assert.True(review.IsSuccessStatusCode, reviewBody);
        var reviewId = JsonDocument.Parse(reviewBody).RootElement.GetProperty("id").GetString()!;

        seed.Set("id", id).Set("version", "1.0.0").Set("uid", UserA).Set("reviewId", reviewId);
        seed.Items["asset"] = id;
        seed.Items["draft"] = draft;
        seed.Items["other"] = other;
        seed.Marker(DraftTitle).Marker(draft);
    }

    protected override HttpContent? Body(string method, string template, MatrixSeed seed)
    {
        if (template.EndsWith("/file", StringComparison.Ordinal))
        {
            var content = new ByteArrayContent(TemplateZip("intruder"));
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/zip");
            return content;
        }

        var zip = TemplateZip("intruder");
        return template switch
        {
            "/v1/marketplace/assets/{id}" => Json("""{"title":"Stolen by B"}"""),
            "/v1/marketplace/assets/{id}/versions" => JsonContent.Create(new { version = "9.0.0", changelog = "b", sha256 = Sha256(zip), size = zip.Length }),
            "/v1/marketplace/assets/{id}/reviews/me" => Json("""{"rating":1,"comment":"B's review"}"""),
            "/v1/marketplace/assets/{id}/reports" or "/v1/marketplace/reviews/{reviewId}/reports" => Json("""{"reason":"spam"}"""),
            "/v1/marketplace/assets" => Json("""{"kind":"template","title":"B's Asset","description":"An asset of user B for the matrix.","tags":["b"],"license":"MIT"}"""),
            _ => base.Body(method, template, seed),
        };
    }

    protected override async Task<string> SnapshotAsync(HttpClient owner, MatrixSeed seed)
    {
        var text = new StringBuilder();
        foreach (var id in new[] { seed.Items["asset"], seed.Items["draft"] })
        {
            using var response = await owner.GetAsync($"/v1/marketplace/assets/{id}", Ct);
            var body = await response.Content.ReadAsStringAsync(Ct);
            text.Append(id).Append(' ').Append((int)response.StatusCode);
            if (response.IsSuccessStatusCode)
            {
                // What the author owns, not the counters other users legitimately move (downloads).
                var asset = JsonNode.Parse(body)!.AsObject();
                foreach (var field in new[] { "title", "description", "tags", "hidden", "versions", "status" })
                {
                    if (asset[field] is { } value)
                    {
                        text.Append(' ').Append(field).Append('=').Append(WithoutCounters(value.DeepClone()).ToJsonString());
                    }
                }
            }

            text.AppendLine();
        }

        using var reviews = await owner.GetAsync($"/v1/marketplace/assets/{seed.Items["other"]}/reviews", Ct);
        var list = await reviews.Content.ReadAsStringAsync(Ct);
        text.Append("review present=").Append(list.Contains(ReviewText, StringComparison.Ordinal));
        return text.ToString();
    }

    private static JsonNode WithoutCounters(JsonNode node)
    {
        if (node is JsonObject obj)
        {
            obj.Remove("downloads");
            foreach (var (_, child) in obj.ToList())
            {
                if (child is not null)
                {
                    WithoutCounters(child);
                }
            }
        }
        else if (node is JsonArray array)
        {
            foreach (var child in array)
            {
                if (child is not null)
                {
                    WithoutCounters(child);
                }
            }
        }

        return node;
    }

}
