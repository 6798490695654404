using System.Collections.Concurrent;
using Google.Apis.Auth.OAuth2;

namespace PocketCode.Bff.Routing;

/// <summary>
/// Google-signed ID tokens naming a target audience, for Cloud Run's IAM check on the internal
/// services. An interface so tests can issue fake tokens.
/// </summary>
internal interface IGoogleIdTokenSource
{
    Task<string> GetTokenAsync(string audience, CancellationToken cancellationToken);
}

/// <summary>
/// Tokens of the application default credentials (the Cloud Run service account). One
/// <see cref="OidcToken"/> per audience: it caches its token and refreshes it shortly before expiry,
/// so most requests cost no round trip.
/// </summary>
internal sealed class ApplicationDefaultIdTokenSource : IGoogleIdTokenSource
{
    private readonly Lock _gate = new();
    private Task<IOidcTokenProvider>? _provider;
    private readonly ConcurrentDictionary<string, Lazy<Task<OidcToken>>> _tokens = new(StringComparer.Ordinal);

    public async Task<string> GetTokenAsync(string audience, CancellationToken cancellationToken)
    {
        var token = _tokens.GetOrAdd(audience, a => new Lazy<Task<OidcToken>>(async () =>
            await (await ProviderAsync()).GetOidcTokenAsync(OidcTokenOptions.FromTargetAudience(a), CancellationToken.None)));
        try
        {
            return await (await token.Value).GetAccessTokenAsync(cancellationToken);
        }
        catch
        {
            // A failed first fetch must not stick: the next request tries again.
            _tokens.TryRemove(new KeyValuePair<string, Lazy<Task<OidcToken>>>(audience, token));
            throw;
        }
    }

    /// <summary>Loads the credential once; a failed load is not kept, so the next request retries.</summary>
    private Task<IOidcTokenProvider> ProviderAsync()
    {
        lock (_gate)
        {
            if (_provider is null || _provider.IsFaulted || _provider.IsCanceled)
            {
                _provider = LoadProviderAsync();
            }

            return _provider;
        }
    }

    private static async Task<IOidcTokenProvider> LoadProviderAsync()
    {
        var credential = await GoogleCredential.GetApplicationDefaultAsync();
        return credential.UnderlyingCredential as IOidcTokenProvider
            ?? throw new InvalidOperationException(
                $"The application default credential ({credential.UnderlyingCredential.GetType().Name}) cannot issue ID tokens; " +
                "run as a service account (Cloud Run does) or set Services:UseGoogleIdTokens=false.");
    }
}

/// <summary>
/// Adds the BFF's Google ID token to a call to an internal service on Cloud Run, in
/// <c>X-Serverless-Authorization</c> (Cloud Run checks it and leaves <c>Authorization</c>, the
/// user's own token, to the service). The one place that writes the header: the typed clients
/// send through this handler, and the routes' YARP transform calls <see cref="ApplyAsync"/>.
/// </summary>
internal sealed class GoogleIdTokenHandler(IGoogleIdTokenSource tokens, string? audience) : DelegatingHandler
{
    public const string HeaderName = "X-Serverless-Authorization";

    /// <summary>Cloud Run checks the audience against the service's URL: the base address, no trailing slash.</summary>
    public static string AudienceOf(string serviceUrl) => serviceUrl.TrimEnd('/');

    /// <summary>Replaces any <c>X-Serverless-Authorization</c> on the request with the BFF's own token.</summary>
    public static async Task ApplyAsync(HttpRequestMessage request, IGoogleIdTokenSource tokens, string audience, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(tokens);
        var token = await tokens.GetTokenAsync(audience, cancellationToken);
        request.Headers.Remove(HeaderName);
        request.Headers.TryAddWithoutValidation(HeaderName, "Bearer " + token);
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (audience is not null)
        {
            await ApplyAsync(request, tokens, audience, cancellationToken);
        }

        return await base.SendAsync(request, cancellationToken);
    }
}
