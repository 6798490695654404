using PocketCode.Storage.Documents;
using PocketCode.Storage.Tests.Contracts;
using Xunit;

namespace PocketCode.Storage.Tests.Firestore;

/// <summary>The shared DocumentStore contract against Google's Firestore emulator.</summary>
public sealed class FirestoreDocumentStoreContractTests(FirestoreEmulatorFixture fixture) : DocumentStoreContract, IClassFixture<FirestoreEmulatorFixture>
{
    protected override IDocumentStore Store => fixture.Store;
}
