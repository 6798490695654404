using System.Net;
using System.Net.Sockets;
using PocketCode.Platform;

namespace PocketCode.Bff.Credentials;

/// <summary>Input rules shared by the credential kinds. Messages name the member, never its value.</summary>
internal static class CredentialRules
{
    public const int MaxKeystoreBytes = 64 * 1024;
    public const int MaxServiceAccountJsonLength = 16 * 1024;
    public const int MaxPasswordLength = 256;
    public const int MaxAliasLength = 128;
    public const int MaxUrlLength = 2048;

    /// <summary>An API key or token: printable ASCII without spaces, within bounds.</summary>
    public static string Token(string? value, string field, int minLength = 8, int maxLength = 1024)
    {
        if (string.IsNullOrEmpty(value))
        {
            throw FieldErrors.Invalid(field, $"{field} is required.");
        }

        if (value.Length < minLength || value.Length > maxLength)
        {
            throw FieldErrors.Invalid(field, $"{field} must be {minLength}-{maxLength} characters.");
        }

        if (value.Any(c => c is < '!' or > '~'))
        {
            throw FieldErrors.Invalid(field, $"{field} must be printable ASCII without spaces or line breaks.");
        }

        return value;
    }

    public static string Password(string? value, string field)
    {
        if (string.IsNullOrEmpty(value))
        {
            throw FieldErrors.Invalid(field, $"{field} is required.");
        }

        return value.Length <= MaxPasswordLength ? value : throw FieldErrors.Invalid(field, $"{field} must be at most {MaxPasswordLength} characters.");
    }

    public static string Text(string? value, string field, int maxLength, bool required)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return required ? throw FieldErrors.Invalid(field, $"{field} is required.") : string.Empty;
        }

        var trimmed = value.Trim();
        if (trimmed.Length > maxLength || trimmed.Any(char.IsControl))
        {
            throw FieldErrors.Invalid(field, $"{field} must be at most {maxLength} characters without control characters.");
        }

        return trimmed;
    }

    /// <summary>
    /// An https base URL of a public host: no user info, query or fragment, and not a loopback,
    /// private or link-local address, since the API proxy sends the user's key there. (The proxy
    /// must check the resolved address again when connecting: a public name can resolve inward.)
    /// </summary>
    public static string HttpsBaseUrl(string? value, string field)
    {
        if (string.IsNullOrWhiteSpace(value) || value.Length > MaxUrlLength
            || !Uri.TryCreate(value.Trim(), UriKind.Absolute, out var uri)
            || uri.Scheme != Uri.UriSchemeHttps
            || !string.IsNullOrEmpty(uri.UserInfo) || !string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment)
            || string.IsNullOrEmpty(uri.Host))
        {
            throw FieldErrors.Invalid(field, $"{field} must be an absolute https URL without user info, query or fragment, at most {MaxUrlLength} characters.");
        }

        if (IsInternalHost(uri))
        {
            throw FieldErrors.Invalid(field, $"{field} must name a public host, not localhost, a private or a link-local address.");
        }

        return uri.GetLeftPart(UriPartial.Path).TrimEnd('/');
    }

    private static bool IsInternalHost(Uri uri)
    {
        var host = uri.IdnHost.TrimEnd('.').ToLowerInvariant();
        if (host == "localhost" || host.EndsWith(".localhost", StringComparison.Ordinal) || host.EndsWith(".internal", StringComparison.Ordinal))
        {
            return true;
        }

        if (!IPAddress.TryParse(uri.HostNameType == UriHostNameType.IPv6 ? host.Trim('[', ']') : host, out var address))
        {
            return false;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (IPAddress.IsLoopback(address) || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any))
        {
            return true;
        }

        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            return address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6UniqueLocal;
        }

        var b = address.GetAddressBytes();
        return b[0] == 10 || b[0] == 0 || (b[0] == 172 && b[1] is >= 16 and <= 31) || (b[0] == 192 && b[1] == 168)
            || (b[0] == 169 && b[1] == 254) || (b[0] == 100 && b[1] is >= 64 and <= 127);
    }
}
