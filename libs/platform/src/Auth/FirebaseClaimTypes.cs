namespace PocketCode.Platform;

/// <summary>
/// Claim names as they appear in Firebase ID tokens. Inbound claim mapping is off, so these are
/// the names on <see cref="System.Security.Claims.ClaimsPrincipal"/> too.
/// </summary>
public static class FirebaseClaimTypes
{
    /// <summary>The Firebase user id; the only identity services key data by.</summary>
    public const string Subject = "sub";

    /// <summary>Duplicate of <see cref="Subject"/> that Firebase adds for older clients.</summary>
    public const string UserId = "user_id";

    public const string Email = "email";
    public const string EmailVerified = "email_verified";
    public const string Name = "name";
    public const string Picture = "picture";
    public const string AuthTime = "auth_time";

    /// <summary>JSON object with <c>sign_in_provider</c>, <c>identities</c> and, for some providers, <c>tenant</c>.</summary>
    public const string Firebase = "firebase";

    public const string SignInProvider = "sign_in_provider";

    /// <summary>Custom claim set with the Admin SDK on operators' accounts.</summary>
    public const string Admin = "admin";
}

/// <summary>Authorization policy names the platform registers.</summary>
public static class PlatformPolicies
{
    /// <summary>Authenticated user whose token carries the custom claim <c>admin: true</c>.</summary>
    public const string Admin = "admin";
}
