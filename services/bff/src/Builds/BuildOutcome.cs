using System.Globalization;

namespace PocketCode.Bff.Builds;

/// <summary>
/// Where the result of a succeeded build can be seen, named for what it is: a store listing only
/// when the release is public on production, the testers' opt-in page for testing tracks, Play
/// Console for what is not published.
/// </summary>
internal sealed record OutcomeLink(string Kind, string Url, string Label)
{
    /// <summary>Whether something reached users (the notification kind follows it).</summary>
    public bool Published => Kind != OutcomeKinds.Draft;
}

internal static class OutcomeKinds
{
    /// <summary>The public store listing: a completed or staged release on production.</summary>
    public const string Listing = "listing";

    /// <summary>Open testing (Play's track <c>beta</c>): anyone may join on the opt-in page.</summary>
    public const string OpenTesting = "openTesting";

    /// <summary>Closed testing (<c>alpha</c> and custom tracks): testers on the list join on the opt-in page.</summary>
    public const string ClosedTesting = "closedTesting";

    /// <summary>Internal testing (<c>internal</c>): its join link carries an id only Play Console shows.</summary>
    public const string InternalTesting = "internalTesting";

    /// <summary>A draft release: uploaded, not published.</summary>
    public const string Draft = "draft";
}

/// <summary>
/// The outcome link of a build. URL forms, read 2026-12-08: the listing
/// <c>https://play.google.com/store/apps/details?id=PACKAGE</c>; the testing opt-in page
/// <c>https://play.google.com/apps/testing/PACKAGE</c> (Play Console → Testing → Testers → "How
/// testers join your test", as shown in the 12testers14days.com guide to closed testing); Play
/// Console at <c>https://play.google.com/console</c> (its app pages need the developer's and the
/// app's numeric ids, which the BFF does not know). Track names: the Android Publisher API calls
/// open testing <c>beta</c> and closed testing <c>alpha</c> (plus custom closed tracks), internal
/// testing <c>internal</c> (developers.google.com/android-publisher/tracks).
/// </summary>
internal static class BuildOutcomes
{
    public const string PlayConsoleUrl = "https://play.google.com/console";

    public static string ListingUrl(string applicationId) =>
        "https://play.google.com/store/apps/details?id=" + Uri.EscapeDataString(applicationId);

    public static string OptInUrl(string applicationId) =>
        "https://play.google.com/apps/testing/" + Uri.EscapeDataString(applicationId);

    /// <summary>The link of a succeeded build; null for any other state or a build without an application id.</summary>
    public static OutcomeLink? Of(Build build) =>
        build.State == BuildStates.Succeeded && !string.IsNullOrEmpty(build.ApplicationId)
            ? Of(build.Track, build.ReleaseStatus, build.RolloutFraction, build.ApplicationId)
            : null;

    public static OutcomeLink Of(string track, string releaseStatus, double? rolloutFraction, string applicationId)
    {
        if (releaseStatus == "draft")
        {
            return new(OutcomeKinds.Draft, PlayConsoleUrl,
                $"Draft, not yet published: {applicationId} waits on the {track} track in Play Console until you review and publish it there.");
        }

        // A staged rollout reaches only part of the track's audience; the label says how much.
        var share = releaseStatus == "inProgress" && rolloutFraction is { } f
            ? (f * 100).ToString("0.####", CultureInfo.InvariantCulture) + "% of "
            : string.Empty;
        var staged = share.Length == 0 ? string.Empty : " (staged rollout)";
        return track switch
        {
            "production" => new(OutcomeKinds.Listing, ListingUrl(applicationId), $"On Google Play for {(share.Length == 0 ? "everyone" : share + "users")}{staged}."),
            "beta" => new(OutcomeKinds.OpenTesting, OptInUrl(applicationId), $"Open testing: released to {share}testers{staged}; anyone can join on this page."),
            "internal" => new(OutcomeKinds.InternalTesting, PlayConsoleUrl,
                $"Internal testing: released to {share}your internal testers{staged}. Share the test's join link from Play Console → Testing → Internal testing → Testers."),
            _ => new(OutcomeKinds.ClosedTesting, OptInUrl(applicationId), $"Closed testing ({track}): released to {share}testers{staged}; testers on your list join on this page."),
        };
    }
}
