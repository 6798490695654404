using PocketCode.Testing;
using Xunit;

// Scans every log line the whole marketplace test assembly captured for the registered secrets
// (and any JWT-shaped bearer token) when it ends.
[assembly: AssemblyFixture(typeof(SuiteLogScan))]
