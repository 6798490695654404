using Microsoft.AspNetCore.Hosting;

namespace PocketCode.Testing;

/// <summary>
/// A <see cref="ServiceFactory{TProgram}"/> whose document store is the Firestore emulator (shared by
/// the test process; see <see cref="FirestoreEmulator.GetSharedAsync"/>) while blobs stay in the
/// local folder. Each factory uses a Firestore project of its own, so factories never see each
/// other's documents; the service's Google Cloud project id is that same id, so development tokens
/// are minted for, and checked against, one consistent audience.
/// </summary>
public class FirestoreServiceFactory<TProgram> : ServiceFactory<TProgram>
    where TProgram : class
{
    private FirestoreEmulator? _emulator;

    public FirestoreServiceFactory()
    {
        ProjectId = FirestoreEmulator.NewProjectId();
    }

    /// <summary><c>host:port</c> of the emulator the service uses (set once initialized).</summary>
    public string EmulatorHost => _emulator?.Host ?? throw new InvalidOperationException("The factory has not been initialized; InitializeAsync starts the emulator.");

    public override async ValueTask InitializeAsync()
    {
        _emulator = await FirestoreEmulator.GetSharedAsync(Xunit.TestContext.Current.CancellationToken);
        await base.InitializeAsync();
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting(FirestoreEmulator.HostVariable, EmulatorHost);
        builder.UseSetting("DOCUMENT_STORE", "firestore");
        builder.UseSetting("BLOB_STORE", "local");
    }
}
