namespace PocketCode.Bff.BuildCache;

/// <summary>
/// Where and how the run's Gradle reaches the cache: <see cref="Url"/> with HTTP Basic
/// <see cref="Username"/>/<see cref="Password"/> until <see cref="ExpiresAt"/>; stores only when <see cref="Push"/>.
/// </summary>
internal sealed record BuildCacheSession(string Url, string Username, string Password, bool Push, DateTimeOffset ExpiresAt);
