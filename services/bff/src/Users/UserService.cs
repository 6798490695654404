using Microsoft.Extensions.Primitives;
using PocketCode.Platform;
using PocketCode.Accounts.Credentials;
using PocketCode.Accounts.Users;
using PocketCode.Storage.Documents;

namespace PocketCode.Bff.Users;

/// <summary>Profile and settings rules for <c>users/{uid}</c>; the caller is always the token's user.</summary>
internal sealed class UserService(IDocumentStore store)
{
    // A first GET can race another first request; a few tries settle who created the document.
    private const int EnsureAttempts = 3;

    /// <summary>
    /// The user's document, created from the token's claims on first use. A document that exists
    /// without a profile (credentials stored before any profile read) gets its profile added.
    /// </summary>
    public async Task<DocumentSnapshot> GetOrCreateAsync(ICurrentUser user, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        var path = UserDocuments.PathOf(user.Uid);
        for (var attempt = 1; ; attempt++)
        {
            var snapshot = await store.GetAsync(path, cancellationToken);
            if (snapshot is not null && snapshot.Has(UserDocuments.CreatedAt))
            {
                return snapshot;
            }

            var profile = UserDocumentMapper.NewProfile(user);
            try
            {
                if (snapshot is null)
                {
                    await store.CreateAsync(path, profile, cancellationToken);
                }
                else
                {
                    await store.UpdateAsync(path, profile, Precondition.LastUpdatedAt(snapshot.UpdateTime), cancellationToken);
                }
            }
            catch (Exception ex) when (ex is DocumentAlreadyExistsException or PreconditionFailedException or DocumentNotFoundException && attempt < EnsureAttempts)
            {
                // Someone else wrote first; read again.
            }
        }
    }

    /// <summary>
    /// Applies a validated patch. With <c>If-Match</c>, the write happens only if the document is
    /// still at that version (else 412 and nothing changes); without it, the named fields are set.
    /// </summary>
    public async Task<DocumentSnapshot> UpdateAsync(ICurrentUser user, UserPatch patch, StringValues ifMatch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(patch);
        var current = await GetOrCreateAsync(user, cancellationToken);
        var conditional = !StringValues.IsNullOrEmpty(ifMatch);
        if (conditional && !EntityTags.MatchHolds(ifMatch, current.Version))
        {
            throw Stale();
        }

        if (patch.IsEmpty)
        {
            return current;
        }

        var fields = new Dictionary<string, object?>(patch.Fields) { [UserDocuments.UpdatedAt] = FieldValue.ServerTimestamp };
        try
        {
            await store.UpdateAsync(
                current.Path,
                fields,
                conditional ? Precondition.LastUpdatedAt(current.UpdateTime) : Precondition.MustExist,
                cancellationToken);
        }
        catch (PreconditionFailedException)
        {
            throw Stale();
        }

        return await store.GetAsync(current.Path, cancellationToken) ?? throw new DocumentNotFoundException(current.Path);
    }

    private static ProblemException Stale() => ProblemException.PreconditionFailed(
        "The profile changed since you read it (If-Match does not name the current ETag). Read it again and reapply your change.");
}
