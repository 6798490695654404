namespace PocketCode.Storage;

/// <summary>What readiness checks need of a store: a cheap round trip that fails when it is unreachable.</summary>
public interface IStoreProbe
{
    Task PingAsync(CancellationToken cancellationToken = default);
}
