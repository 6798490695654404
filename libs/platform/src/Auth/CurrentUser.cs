using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace PocketCode.Platform;

/// <summary>The caller of the current request, as proven by their Firebase ID token.</summary>
public interface ICurrentUser
{
    bool IsAuthenticated { get; }

    /// <summary>The Firebase uid (<c>sub</c>). Throws when the request is anonymous.</summary>
    string Uid { get; }

    string? Email { get; }

    bool EmailVerified { get; }

    string? Name { get; }

    /// <summary><c>firebase.sign_in_provider</c>: <c>password</c>, <c>google.com</c>, <c>custom</c>, ...</summary>
    string? SignInProvider { get; }

    bool IsAdmin { get; }

    ClaimsPrincipal Principal { get; }

    /// <summary>A custom claim's value as text (JSON for objects and arrays), or null.</summary>
    string? FindClaim(string type);

    /// <summary>True when a custom claim is the JSON boolean <c>true</c> (or the string "true").</summary>
    bool HasTrueClaim(string type);
}

public static class ClaimsPrincipalExtensions
{
    /// <summary>The Firebase uid, or null for an anonymous principal.</summary>
    public static string? FindUid(this ClaimsPrincipal principal)
    {
        ArgumentNullException.ThrowIfNull(principal);
        return principal.FindFirst(FirebaseClaimTypes.Subject)?.Value is { Length: > 0 } uid ? uid : null;
    }

    /// <summary>The Firebase uid; throws when there is none, which means the endpoint allowed anonymous callers by mistake.</summary>
    public static string GetUid(this ClaimsPrincipal principal) =>
        principal.FindUid() ?? throw new InvalidOperationException(
            "The request has no authenticated user; this endpoint must require authorization to read the uid.");

    public static string? GetEmail(this ClaimsPrincipal principal) => principal.FindClaim(FirebaseClaimTypes.Email);

    public static bool IsEmailVerified(this ClaimsPrincipal principal) => principal.HasTrueClaim(FirebaseClaimTypes.EmailVerified);

    public static string? GetDisplayName(this ClaimsPrincipal principal) => principal.FindClaim(FirebaseClaimTypes.Name);

    public static bool IsAdmin(this ClaimsPrincipal principal) => principal.HasTrueClaim(FirebaseClaimTypes.Admin);

    public static string? FindClaim(this ClaimsPrincipal principal, string type)
    {
        ArgumentNullException.ThrowIfNull(principal);
        return principal.FindFirst(type)?.Value;
    }

    public static bool HasTrueClaim(this ClaimsPrincipal principal, string type) =>
        string.Equals(principal.FindClaim(type), "true", StringComparison.OrdinalIgnoreCase);

    public static string? GetSignInProvider(this ClaimsPrincipal principal)
    {
        if (principal.FindClaim(FirebaseClaimTypes.Firebase) is not { Length: > 0 } json)
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty(FirebaseClaimTypes.SignInProvider, out var provider)
                && provider.ValueKind == JsonValueKind.String
                    ? provider.GetString()
                    : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

internal sealed class CurrentUser(IHttpContextAccessor accessor) : ICurrentUser
{
    public ClaimsPrincipal Principal =>
        accessor.HttpContext?.User ?? throw new InvalidOperationException("ICurrentUser is only available during a request.");

    public bool IsAuthenticated => Principal.FindUid() is not null;

    public string Uid => Principal.GetUid();

    public string? Email => Principal.GetEmail();

    public bool EmailVerified => Principal.IsEmailVerified();

    public string? Name => Principal.GetDisplayName();

    public string? SignInProvider => Principal.GetSignInProvider();

    public bool IsAdmin => Principal.IsAdmin();

    public string? FindClaim(string type) => Principal.FindClaim(type);

    public bool HasTrueClaim(string type) => Principal.HasTrueClaim(type);
}
