using System.Globalization;

namespace PocketCode.Platform;

/// <summary>Chooses the address Kestrel listens on, Cloud Run style.</summary>
public static class ListenUrls
{
    public const string PortKey = "PORT";
    public const int DefaultPort = 8080;

    /// <summary>
    /// Returns the URL to listen on, or null to leave Kestrel's own configuration alone.
    /// Explicit <c>urls</c> (ASPNETCORE_URLS, <c>--urls</c>) and Kestrel endpoints always win, so
    /// tests and local runs can pick their own address. Otherwise Cloud Run's <c>PORT</c> wins over
    /// ASPNETCORE_HTTP_PORTS (which the .NET container images preset to 8080), and with neither
    /// the service listens on 8080 on every interface, as a container must.
    /// </summary>
    public static string? Select(string? urls, string? httpPorts, string? port, bool hasKestrelEndpoints = false)
    {
        if (!string.IsNullOrWhiteSpace(urls) || hasKestrelEndpoints)
        {
            return null;
        }

        if (!string.IsNullOrWhiteSpace(port))
        {
            if (!int.TryParse(port.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number is < 1 or > 65535)
            {
                throw new InvalidOperationException($"{PortKey} '{port}' is not a TCP port number (1-65535).");
            }

            return Url(number);
        }

        return string.IsNullOrWhiteSpace(httpPorts) ? Url(DefaultPort) : null;
    }

    private static string Url(int port) => string.Create(CultureInfo.InvariantCulture, $"http://0.0.0.0:{port}");
}
