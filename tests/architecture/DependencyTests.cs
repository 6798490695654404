namespace PocketCode.Architecture.Tests;

public sealed class DependencyTests
{
    private static readonly string Root = FindRoot();

    [Fact]
    public void The_project_graph_has_no_forbidden_edge()
    {
        var graph = ProjectGraph.Load(Root);

        Assert.Empty(DependencyRules.Violations(graph));
    }

    [Fact]
    public void The_graph_is_read_from_the_repository_and_holds_the_known_edges()
    {
        var graph = ProjectGraph.Load(Root);

        // Without these the test above could pass on an empty or misread graph.
        Assert.Contains(graph.Edges, e => e.From.Path == "libs/accounts/src/PocketCode.Accounts.csproj" && e.To.Path == "libs/storage/src/PocketCode.Storage.csproj");
        Assert.Contains(graph.Edges, e => e.From.Path == "services/bff/src/PocketCode.Bff.csproj" && e.To.Path == "libs/accounts/src/PocketCode.Accounts.csproj");
        Assert.Contains(graph.Edges, e => e.From.Path == "services/marketplace-service/src/PocketCode.Marketplace.csproj" && e.To.Path == "libs/accounts/src/PocketCode.Accounts.csproj");
        Assert.Contains(graph.Edges, e => e.From.Path == "services/api-proxy/src/PocketCode.ApiProxy.csproj" && e.To.Path == "libs/accounts/src/PocketCode.Accounts.csproj");
        Assert.DoesNotContain(graph.Edges, e => e.From.Library == "platform" && !e.From.IsTest && e.To.Library is "storage" or "accounts");
    }

    [Theory]
    [InlineData("libs/platform/src/PocketCode.Platform.csproj", "libs/storage/src/PocketCode.Storage.csproj", "libs/platform may reference no other library")]
    [InlineData("libs/platform/src/PocketCode.Platform.csproj", "libs/accounts/src/PocketCode.Accounts.csproj", "libs/platform may reference no other library")]
    [InlineData("libs/storage/src/PocketCode.Storage.csproj", "libs/accounts/src/PocketCode.Accounts.csproj", "libs/storage may reference only libs/platform")]
    [InlineData("services/bff/src/PocketCode.Bff.csproj", "services/marketplace-service/src/PocketCode.Marketplace.csproj", "a service must not reference another service")]
    [InlineData("libs/accounts/src/PocketCode.Accounts.csproj", "services/bff/src/PocketCode.Bff.csproj", "a library must not reference a service")]
    [InlineData("services/bff/src/PocketCode.Bff.csproj", "libs/testing/src/PocketCode.Testing.csproj", null)]
    [InlineData("services/api-proxy/src/PocketCode.ApiProxy.csproj", "services/bff/tests/PocketCode.Bff.Tests.csproj", "a service must not reference another service")]
    [InlineData("libs/accounts/src/PocketCode.Accounts.csproj", "libs/accounts/tests/PocketCode.Accounts.Tests.csproj", "production code must not reference a test project")]
    public void A_forbidden_edge_is_reported_with_its_reason(string from, string to, string? reason)
    {
        var graph = new ProjectGraph([(new ProjectNode(from), new ProjectNode(to))]);

        var violations = DependencyRules.Violations(graph);

        if (reason is null)
        {
            Assert.Empty(violations);
        }
        else
        {
            Assert.Contains(reason, Assert.Single(violations), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Test_projects_may_reference_what_they_exercise()
    {
        var graph = new ProjectGraph([
            (new ProjectNode("services/bff/tests/PocketCode.Bff.Tests.csproj"), new ProjectNode("services/marketplace-service/src/PocketCode.Marketplace.csproj")),
            (new ProjectNode("terraform/tests/PocketCode.Terraform.Tests.csproj"), new ProjectNode("services/bff/src/PocketCode.Bff.csproj")),
        ]);

        Assert.Empty(DependencyRules.Violations(graph));
    }

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "PocketCode.slnx")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("PocketCode.slnx not found above " + AppContext.BaseDirectory);
    }
}
