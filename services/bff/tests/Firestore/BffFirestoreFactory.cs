using System.Collections;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using PocketCode.Storage.Documents;
using PocketCode.Storage.Firestore;
using PocketCode.Testing;
using Xunit;

// The Firestore tests share one emulator per test run; this stops it when the assembly finishes
// (it starts nothing, so runs without Firestore tests pay nothing).
[assembly: AssemblyFixture(typeof(SharedFirestoreEmulatorCleanup))]

namespace PocketCode.Bff.Tests.Firestore;

/// <summary>The BFF with its documents in the Firestore emulator (a project of its own) and blobs in a local folder.</summary>
public sealed class BffFirestoreFactory : FirestoreServiceFactory<Program>
{
    public IDocumentStore Documents => Services.GetRequiredService<IDocumentStore>();

    /// <summary>A client of its own on the emulator, reading the service's project (the caller disposes it).</summary>
    public FirestoreDocumentStore OpenRawStore(string? projectId = null) =>
        new(new FirestoreStoreOptions { ProjectId = projectId ?? ProjectId, EmulatorHost = EmulatorHost });
}

internal static class RawDocument
{
    /// <summary>Every string and byte value anywhere in the document, nested maps and lists included.</summary>
    public static bool HoldsAnywhere(object? value, string secret)
    {
        var bytes = Encoding.UTF8.GetBytes(secret);
        return Walk(value);

        bool Walk(object? node) => node switch
        {
            null => false,
            string s => s.Contains(secret, StringComparison.Ordinal),
            byte[] b => b.AsSpan().IndexOf(bytes) >= 0,
            IReadOnlyDictionary<string, object?> map => map.Any(pair => pair.Key.Contains(secret, StringComparison.Ordinal) || Walk(pair.Value)),
            IDictionary map => map.Values.Cast<object?>().Any(Walk),
            IEnumerable list => list.Cast<object?>().Any(Walk),
            _ => false,
        };
    }
}
