using PocketCode.Testing;
using Xunit;

namespace PocketCode.ApiProxy.Tests;

public sealed class IdentityTests(ServiceFactory<Program> factory)
    : IdentityCheckTests<Program>(factory), IClassFixture<ServiceFactory<Program>>
{
    protected override string Route => "/proxy/whoami";

    protected override string ServiceName => "api-proxy";

    // The proxy keeps no blobs: only the document store (usage records, users' keys) is checked.
    protected override IReadOnlyList<string> ReadinessChecks { get; } = ["document-store"];
}
