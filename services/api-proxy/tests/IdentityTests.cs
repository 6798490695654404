using PocketCode.Testing;
using Xunit;

namespace PocketCode.ApiProxy.Tests;

public sealed class IdentityTests(ServiceFactory<Program> factory)
    : IdentityCheckTests<Program>(factory), IClassFixture<ServiceFactory<Program>>
{
    protected override string Route => "/proxy/whoami";

    protected override string ServiceName => "api-proxy";
}
