using PocketCode.Storage.Firestore;
using PocketCode.Testing;
using Xunit;

// Stops the shared emulator (if a test started it) when the assembly's tests finish.
[assembly: AssemblyFixture(typeof(SharedFirestoreEmulatorCleanup))]

namespace PocketCode.Storage.Tests.Firestore;

/// <summary>
/// A Firestore document store on the test process's shared emulator (<see cref="FirestoreEmulator"/>:
/// started once, or the one <c>FIRESTORE_EMULATOR_HOST</c> names). Each fixture gets a project of
/// its own, so test classes sharing the emulator never see each other's documents.
/// </summary>
public sealed class FirestoreEmulatorFixture : IAsyncLifetime
{
    private FirestoreDocumentStore? _store;

    public string ProjectId { get; } = FirestoreEmulator.NewProjectId();

    public string EmulatorHost { get; private set; } = "";

    public FirestoreDocumentStore Store => _store ?? throw new InvalidOperationException("The fixture has not been initialized.");

    public async ValueTask InitializeAsync()
    {
        var emulator = await FirestoreEmulator.GetSharedAsync(TestContext.Current.CancellationToken);
        EmulatorHost = emulator.Host;
        _store = CreateStore();
        await _store.PingAsync(TestContext.Current.CancellationToken);
    }

    /// <summary>A further store on the same emulator and project (the caller disposes it).</summary>
    public FirestoreDocumentStore CreateStore() => new(new FirestoreStoreOptions { ProjectId = ProjectId, EmulatorHost = EmulatorHost });

    public async ValueTask DisposeAsync()
    {
        if (_store is not null)
        {
            await _store.DisposeAsync();
        }
    }
}
