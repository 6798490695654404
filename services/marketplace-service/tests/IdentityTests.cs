using PocketCode.Testing;
using Xunit;

namespace PocketCode.Marketplace.Tests;

public sealed class IdentityTests(ServiceFactory<Program> factory)
    : IdentityCheckTests<Program>(factory), IClassFixture<ServiceFactory<Program>>
{
    protected override string Route => "/v1/marketplace/whoami";

    protected override string ServiceName => "marketplace";
}
