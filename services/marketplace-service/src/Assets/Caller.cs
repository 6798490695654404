using PocketCode.Platform;

namespace PocketCode.Marketplace.Assets;

/// <summary>The caller as the marketplace's rules see them.</summary>
internal sealed record Caller(string Uid, bool IsAdmin)
{
    public static Caller From(ICurrentUser user) => new(user.Uid, user.IsAdmin);
}
