using PocketCode.Testing;
using Xunit;

namespace PocketCode.Bff.Tests;

public sealed class IdentityTests(ServiceFactory<Program> factory)
    : IdentityCheckTests<Program>(factory), IClassFixture<ServiceFactory<Program>>
{
    protected override string Route => "/v1/whoami";

    protected override string ServiceName => "bff";
}
