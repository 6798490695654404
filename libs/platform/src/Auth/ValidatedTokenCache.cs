using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace PocketCode.Platform;

/// <summary>
/// Remembers the ID tokens this instance has already validated, until each one expires, so a
/// client's next calls with the same token skip the signature check and claim parsing (about
/// 85 µs a call with RS256, <c>docs/benchmarks.md</c>, "Hot paths"). Only successful validations
/// are kept; a cached token stops being accepted at its <c>exp</c> exactly (no clock skew), and
/// the Firebase checks of <see cref="FirebaseJwtBearerEvents"/> still run on every request.
/// </summary>
/// <remarks>
/// Written by hand because neither JwtBearer nor Microsoft.IdentityModel caches validation
/// results. Keys are the token strings themselves: they are already in this process's memory
/// with every request that carries them, and they are never logged or returned. Size is bounded
/// by <see cref="AuthOptions.ValidatedTokenCacheSize"/> (0 turns the cache off).
/// </remarks>
public sealed class ValidatedTokenCache : IDisposable
{
    private readonly MemoryCache? _entries;

    public ValidatedTokenCache(IOptions<AuthOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var size = options.Value.ValidatedTokenCacheSize;
        _entries = size > 0 ? new MemoryCache(new MemoryCacheOptions { SizeLimit = size }) : null;
    }

    /// <summary>Entries held now (for tests and diagnostics).</summary>
    public int Count => _entries?.Count ?? 0;

    /// <summary>The handler JwtBearer should use: <paramref name="inner"/> behind this cache, or <paramref name="inner"/> itself when the cache is off.</summary>
    public TokenHandler Wrap(TokenHandler inner)
    {
        ArgumentNullException.ThrowIfNull(inner);
        return _entries is null ? inner : new CachingTokenHandler(inner, _entries);
    }

    public void Dispose() => _entries?.Dispose();

    private sealed class CachingTokenHandler(TokenHandler inner, MemoryCache entries) : TokenHandler
    {
        public override async Task<TokenValidationResult> ValidateTokenAsync(string token, TokenValidationParameters validationParameters)
        {
            if (entries.TryGetValue(token, out TokenValidationResult? known) && known is not null)
            {
                return Copy(known);
            }

            var result = await inner.ValidateTokenAsync(token, validationParameters);
            if (result.IsValid && result.SecurityToken is { ValidTo: var expires } && expires > DateTime.UtcNow)
            {
                using var entry = entries.CreateEntry(token);
                entry.Value = Copy(result);
                entry.Size = 1;
                entry.AbsoluteExpiration = new DateTimeOffset(DateTime.SpecifyKind(expires, DateTimeKind.Utc));
            }

            return result;
        }

        // A copy with its own identity: a request may add claims to its principal, and that must
        // not reach the cached entry or the next request with the same token.
        private static TokenValidationResult Copy(TokenValidationResult result) => new()
        {
            IsValid = true,
            ClaimsIdentity = result.ClaimsIdentity.Clone(),
            SecurityToken = result.SecurityToken,
            Issuer = result.Issuer,
            TokenType = result.TokenType,
        };

        public override SecurityToken ReadToken(string token) => inner.ReadToken(token);

        public override Task<TokenValidationResult> ValidateTokenAsync(SecurityToken token, TokenValidationParameters validationParameters) =>
            inner.ValidateTokenAsync(token, validationParameters);
    }
}
