using PocketCode.Marketplace.Assets;
using PocketCode.Platform;
using PocketCode.Storage.Documents;

namespace PocketCode.Marketplace.Reviews;

internal sealed record ReviewRequest
{
    public int? Rating { get; init; }

    public string? Comment { get; init; }
}

internal sealed record ReportRequest
{
    public string? Reason { get; init; }
}

internal sealed record ReviewView(string Id, string AssetId, string Uid, int Rating, string Comment, long Helpful, bool Hidden, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

internal sealed record ReviewPage(IReadOnlyList<ReviewView> Items, string? NextPageToken);

internal sealed record ReportView(string Id, string TargetType, string TargetId, string ReporterUid, string Reason, DateTimeOffset CreatedAt);

internal sealed record ReportPage(IReadOnlyList<ReportView> Items, string? NextPageToken);

/// <summary>
/// One review per user and asset (<c>asset_reviews/{assetId}_{uid}</c>). Every change to a visible
/// review and the asset's count, sum, average and score commit in one transaction, so concurrent
/// reviews leave exact aggregates. Hidden reviews do not count.
/// </summary>
internal sealed class ReviewService(IDocumentStore documents, AssetService assets)
{
    public const int MaxComment = 2000;

    /// <summary>Many reviewers of one popular asset contend for its document; they wait their turn.</summary>
    private static readonly TransactionOptions Contended = new() { MaxAttempts = 400 };

    public static DocumentStoreRequirements Indexes() => new(
        [
            new CompositeIndex(AssetFields.ReviewsCollection, IndexField.Asc(ReviewFields.AssetId), IndexField.Asc(ReviewFields.Hidden), IndexField.Desc(ReviewFields.UpdatedAt)),
            new CompositeIndex(AssetFields.ReviewsCollection, IndexField.Asc(ReviewFields.AssetId), IndexField.Asc(ReviewFields.Hidden), IndexField.Desc(ReviewFields.Helpful)),
            new CompositeIndex(AssetFields.ReportsCollection, IndexField.Asc("status"), IndexField.Desc("createdAt")),
        ],
        []);

    public async Task<ReviewView> PutAsync(Caller caller, string assetId, ReviewRequest request, CancellationToken cancellationToken)
    {
        if (request.Rating is not (>= 1 and <= 5))
        {
            throw FieldErrors.Invalid("rating", "rating is a whole number from 1 to 5.");
        }

        var comment = AssetRules.Text(request.Comment?.Trim(), "comment", MaxComment);
        var rating = request.Rating.Value;
        await assets.LoadVisibleAsync(caller, assetId, cancellationToken);
        var reviewId = ReviewFields.ReviewId(assetId, caller.Uid);
        await documents.RunTransactionAsync(async (tx, ct) =>
        {
            var asset = await tx.GetAsync(AssetFields.AssetPath(assetId), ct);
            if (asset is null || asset.GetString(AssetFields.Status) != AssetFields.StatusPublished)
            {
                throw AssetService.AssetNotFound(assetId);
            }

            if (AssetService.IsAuthor(asset, caller.Uid))
            {
                throw new ProblemException(403, "own_asset", "Authors cannot review their own assets.");
            }

            var existing = await tx.GetAsync(ReviewFields.ReviewPath(reviewId), ct);
            var hidden = existing?.GetBoolean(ReviewFields.Hidden) == true;
            long countDelta = 0, sumDelta = 0;
            if (!hidden)
            {
                countDelta = existing is null ? 1 : 0;
                sumDelta = rating - (existing?.GetInt64(ReviewFields.Rating) ?? 0);
            }

            tx.Set(ReviewFields.ReviewPath(reviewId), new Dictionary<string, object?>
            {
                [ReviewFields.AssetId] = assetId,
                [ReviewFields.Uid] = caller.Uid,
                [ReviewFields.Rating] = (long)rating,
                [ReviewFields.Comment] = comment,
                [ReviewFields.Hidden] = hidden,
                [ReviewFields.Helpful] = existing?.GetInt64(ReviewFields.Helpful) ?? 0L,
                [ReviewFields.CreatedAt] = existing?.GetTimestamp(ReviewFields.CreatedAt) ?? (object)FieldValue.ServerTimestamp,
                [ReviewFields.UpdatedAt] = FieldValue.ServerTimestamp,
            });
            UpdateAggregates(tx, asset, countDelta, sumDelta);
            return true;
        }, Contended, cancellationToken);
        return View((await documents.GetAsync(ReviewFields.ReviewPath(reviewId), cancellationToken))!);
    }

    public async Task DeleteOwnAsync(Caller caller, string assetId, CancellationToken cancellationToken)
    {
        AssetService.CheckId(assetId);
        var reviewId = ReviewFields.ReviewId(assetId, caller.Uid);
        await documents.RunTransactionAsync(async (tx, ct) =>
        {
            var asset = await tx.GetAsync(AssetFields.AssetPath(assetId), ct) ?? throw AssetService.AssetNotFound(assetId);
            var existing = await tx.GetAsync(ReviewFields.ReviewPath(reviewId), ct) ?? throw ProblemException.NotFound("You have not reviewed this asset.");
            if (existing.GetBoolean(ReviewFields.Hidden) != true)
            {
                UpdateAggregates(tx, asset, -1, -(existing.GetInt64(ReviewFields.Rating) ?? 0));
            }

            tx.Delete(existing.Path);
            return true;
        }, Contended, cancellationToken);
    }

    public async Task<ReviewPage> ListAsync(Caller caller, string assetId, string? sort, int pageSize, string? pageToken, CancellationToken cancellationToken)
    {
        await assets.LoadVisibleAsync(caller, assetId, cancellationToken);
        var field = sort switch
        {
            null or "" or "newest" => ReviewFields.UpdatedAt,
            "helpful" => ReviewFields.Helpful,
            _ => throw FieldErrors.Invalid("sort", "sort is 'newest' or 'helpful'."),
        };
        var query = new DocumentQuery(AssetFields.ReviewsCollection)
            .Where(ReviewFields.AssetId, FilterOperator.Equal, assetId)
            .Where(ReviewFields.Hidden, FilterOperator.Equal, false)
            .OrderBy(field, SortDirection.Descending)
            .Take(pageSize)
            .ContinueAfter(pageToken);
        var result = await RunAsync(query, cancellationToken);
        return new ReviewPage(result.Documents.Select(View).ToList(), result.NextCursor?.ToToken());
    }

    /// <summary>Marks someone else's review helpful, once per user (<c>review_votes/{reviewId}_{uid}</c>).</summary>
    public async Task<ReviewView> MarkHelpfulAsync(Caller caller, string reviewId, CancellationToken cancellationToken)
    {
        var review = await LoadReviewAsync(reviewId, cancellationToken);
        await assets.LoadVisibleAsync(caller, review.GetString(ReviewFields.AssetId)!, cancellationToken);
        if (review.GetString(ReviewFields.Uid) == caller.Uid)
        {
            throw ProblemException.Forbidden("You cannot vote for your own review.");
        }

        await documents.RunTransactionAsync(async (tx, ct) =>
        {
            var vote = AssetFields.VotesCollection + "/" + reviewId + "_" + caller.Uid;
            var current = await tx.GetAsync(review.Path, ct) ?? throw ReviewNotFound();
            if (await tx.GetAsync(vote, ct) is not null)
            {
                return false;
            }

            tx.Create(vote, new Dictionary<string, object?> { ["createdAt"] = FieldValue.ServerTimestamp });
            tx.Update(current.Path, new Dictionary<string, object?> { [ReviewFields.Helpful] = FieldValue.Increment(1) });
            return true;
        }, Contended, cancellationToken);
        return View((await documents.GetAsync(review.Path, cancellationToken))!);
    }

    /// <summary>Anyone signed in may report an asset or a review; one report per user and target.</summary>
    public async Task ReportAsync(Caller caller, string targetType, string targetId, ReportRequest request, CancellationToken cancellationToken)
    {
        var reason = AssetRules.Text(request.Reason?.Trim(), "reason", 1000);
        if (reason.Length == 0)
        {
            throw FieldErrors.Invalid("reason", "reason says what is wrong.");
        }

        if (targetType == "asset")
        {
            await assets.LoadVisibleAsync(caller, targetId, cancellationToken);
        }
        else
        {
            var review = await LoadReviewAsync(targetId, cancellationToken);
            await assets.LoadVisibleAsync(caller, review.GetString(ReviewFields.AssetId)!, cancellationToken);
        }

        await documents.SetAsync($"{AssetFields.ReportsCollection}/{targetType}_{targetId}_{caller.Uid}", new Dictionary<string, object?>
        {
            ["targetType"] = targetType,
            ["targetId"] = targetId,
            ["reporterUid"] = caller.Uid,
            ["reason"] = reason,
            ["status"] = "open",
            ["createdAt"] = FieldValue.ServerTimestamp,
        }, cancellationToken);
    }

    public async Task<ReportPage> ListReportsAsync(int pageSize, string? pageToken, CancellationToken cancellationToken)
    {
        var query = new DocumentQuery(AssetFields.ReportsCollection)
            .Where("status", FilterOperator.Equal, "open")
            .OrderBy("createdAt", SortDirection.Descending)
            .Take(pageSize)
            .ContinueAfter(pageToken);
        var result = await RunAsync(query, cancellationToken);
        return new ReportPage(
            result.Documents.Select(d => new ReportView(d.Id, d.GetString("targetType") ?? "", d.GetString("targetId") ?? "", d.GetString("reporterUid") ?? "", d.GetString("reason") ?? "", d.GetTimestamp("createdAt") ?? d.CreateTime)).ToList(),
            result.NextCursor?.ToToken());
    }

    /// <summary>Admin moderation of a review: a hidden review leaves the list and the aggregates; restoring puts it back.</summary>
    public async Task<ReviewView> SetHiddenAsync(string reviewId, bool hidden, CancellationToken cancellationToken)
    {
        await LoadReviewAsync(reviewId, cancellationToken);
        await documents.RunTransactionAsync(async (tx, ct) =>
        {
            var review = await tx.GetAsync(ReviewFields.ReviewPath(reviewId), ct) ?? throw ReviewNotFound();
            var asset = await tx.GetAsync(AssetFields.AssetPath(review.GetString(ReviewFields.AssetId)!), ct);
            if ((review.GetBoolean(ReviewFields.Hidden) == true) == hidden)
            {
                return false;
            }

            var rating = review.GetInt64(ReviewFields.Rating) ?? 0;
            if (asset is not null)
            {
                UpdateAggregates(tx, asset, hidden ? -1 : 1, hidden ? -rating : rating);
            }

            tx.Update(review.Path, new Dictionary<string, object?> { [ReviewFields.Hidden] = hidden });
            return true;
        }, Contended, cancellationToken);
        return View((await documents.GetAsync(ReviewFields.ReviewPath(reviewId), cancellationToken))!);
    }

    private static void UpdateAggregates(IDocumentTransaction tx, DocumentSnapshot asset, long countDelta, long sumDelta)
    {
        var count = (asset.GetInt64(AssetFields.ReviewCount) ?? 0) + countDelta;
        var sum = (asset.GetInt64(AssetFields.RatingSum) ?? 0) + sumDelta;
        tx.Update(asset.Path, new Dictionary<string, object?>
        {
            [AssetFields.ReviewCount] = count,
            [AssetFields.RatingSum] = sum,
            [AssetFields.AverageRating] = count > 0 ? (double)sum / count : 0.0,
            [AssetFields.Score] = AssetFields.ScoreOf(count, sum),
        }, Precondition.LastUpdatedAt(asset.UpdateTime));
    }

    private async Task<DocumentSnapshot> LoadReviewAsync(string reviewId, CancellationToken cancellationToken)
    {
        var parts = reviewId.Split('_', 2);
        if (parts.Length != 2 || parts[1].Length is 0 or > 128 || parts[1].Contains('/', StringComparison.Ordinal))
        {
            throw ReviewNotFound();
        }

        AssetService.CheckId(parts[0]);
        return await documents.GetAsync(ReviewFields.ReviewPath(reviewId), cancellationToken) ?? throw ReviewNotFound();
    }

    private async Task<QueryResult> RunAsync(DocumentQuery query, CancellationToken cancellationToken)
    {
        try
        {
            return await documents.QueryAsync(query, cancellationToken);
        }
        catch (FormatException)
        {
            throw ProblemException.BadRequest("pageToken does not belong to this list; start again without it.");
        }
    }

    private static ProblemException ReviewNotFound() => ProblemException.NotFound("There is no such review.");

    private static ReviewView View(DocumentSnapshot doc) => new(
        doc.Id,
        doc.GetString(ReviewFields.AssetId) ?? string.Empty,
        doc.GetString(ReviewFields.Uid) ?? string.Empty,
        (int)(doc.GetInt64(ReviewFields.Rating) ?? 0),
        doc.GetString(ReviewFields.Comment) ?? string.Empty,
        doc.GetInt64(ReviewFields.Helpful) ?? 0,
        doc.GetBoolean(ReviewFields.Hidden) ?? false,
        doc.GetTimestamp(ReviewFields.CreatedAt) ?? doc.CreateTime,
        doc.GetTimestamp(ReviewFields.UpdatedAt) ?? doc.UpdateTime);
}
