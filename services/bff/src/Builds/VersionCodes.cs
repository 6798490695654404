using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using PocketCode.Platform;
using PocketCode.Storage.Documents;

namespace PocketCode.Bff.Builds;

/// <summary>
/// The version codes the BFF hands out, one counter document per owner and application id
/// (<c>version_codes/{key}</c>, <see cref="LastCode"/> = the highest code given or seen). It lives
/// outside the project and its repository, so neither a new GitHub repository nor a new project
/// with the same application id starts it again; and it is keyed by the owner too, because two
/// users may both build <c>com.example.app</c>. Codes only grow: a build takes
/// <see cref="LastCode"/> + 1, or the user's explicit higher code, in the transaction that creates it.
/// </summary>
internal static class VersionCodes
{
    public const string Collection = "version_codes";
    public const string OwnerUid = "ownerUid";
    public const string ApplicationId = "applicationId";
    public const string LastCode = "lastCode";
    public const string UpdatedAt = "updatedAt";

    /// <summary>
    /// Google Play's largest version code (developer.android.com/studio/publish/versioning, as quoted by
    /// Microsoft's .NET for Android error XA0004: "an integer within the range of 0 to 2100000000";
    /// read 2026-12-08).
    /// </summary>
    public const long Max = 2_100_000_000;

    /// <summary>The problem code of an explicit versionCode that is not above the counter.</summary>
    public const string TooLow = "version_code_too_low";

    /// <summary>The problem code when the counter reached <see cref="Max"/>.</summary>
    public const string Exhausted = "version_code_exhausted";

    /// <summary>
    /// The counter's path. A uid may hold any character but '/', so the two parts are hashed
    /// (length-prefixed, so no two pairs collide) into a fixed-size id that is always a valid segment.
    /// </summary>
    public static string PathOf(string ownerUid, string applicationId)
    {
        var key = ownerUid.Length.ToString(CultureInfo.InvariantCulture) + ":" + ownerUid + applicationId;
        return Collection + "/" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
    }

    public static long LastOf(DocumentSnapshot? counter) => counter?.GetInt64(LastCode) ?? 0;

    /// <summary>
    /// The code of a new build: <paramref name="requested"/> when it is above <paramref name="last"/>,
    /// else 409 naming the next allowed one; without a request, <paramref name="last"/> + 1.
    /// </summary>
    public static long Next(long last, long? requested)
    {
        var next = last + 1;
        if (requested is { } code)
        {
            return code > last
                ? code
                : throw new ProblemException(409, TooLow,
                    $"versionCode {code} is not above {last}, the highest this app has had from PocketCode; Google Play needs a larger one. Use {next} or more, or leave versionCode out to get {next}.",
                    new Dictionary<string, object?> { ["nextVersionCode"] = next });
        }

        return next <= Max
            ? next
            : throw new ProblemException(409, Exhausted,
                $"This app reached Google Play's largest version code ({Max}); no higher one can be given.");
    }

    /// <summary>The counter's fields after a build took (or Play named) <paramref name="code"/>.</summary>
    public static Dictionary<string, object?> Value(string ownerUid, string applicationId, long code) => new()
    {
        [OwnerUid] = ownerUid,
        [ApplicationId] = applicationId,
        [LastCode] = code,
        [UpdatedAt] = FieldValue.ServerTimestamp,
    };

    /// <summary>
    /// Moves the counter to at least <paramref name="code"/> (never down), so the next build gets a
    /// larger one. Idempotent: a repeated report changes nothing more.
    /// </summary>
    public static Task RaiseAsync(IDocumentStore documents, string ownerUid, string applicationId, long code, CancellationToken cancellationToken) =>
        documents.RunTransactionAsync(async (tx, ct) =>
        {
            var path = PathOf(ownerUid, applicationId);
            if (LastOf(await tx.GetAsync(path, ct)) < code)
            {
                tx.Set(path, Value(ownerUid, applicationId, code));
            }

            return true;
        }, cancellationToken: cancellationToken);
}
