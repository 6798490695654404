using System.Text.Json;
using System.Text.RegularExpressions;
using PocketCode.Testing;
using Xunit;

namespace PocketCode.Terraform.Tests;

/// <summary>One role granted to a service account, on one resource (<c>project</c>, <c>bucket x</c>, ...).</summary>
public sealed record Grant(string Account, string Role, string On)
{
    public override string ToString() => $"| `{Account}` | `{Role}` | {On} |";
}

/// <summary>
/// The service accounts' roles in Terraform are exactly the table of <c>docs/deploy.md</c>; each
/// service runs as its own account; the internal services are not public.
/// </summary>
public sealed partial class IamTests
{
    private static readonly string[] BindingTypes =
    [
        "google_project_iam_member",
        "google_storage_bucket_iam_member",
        "google_secret_manager_secret_iam_member",
        "google_service_account_iam_member",
        "google_cloud_run_v2_service_iam_member",
    ];

    [Fact]
    public async Task Service_account_roles_are_exactly_the_ones_docs_deploy_md_lists()
    {
        var config = await TerraformConfig.LoadAsync();
        var documented = DocumentedGrants();
        var granted = TerraformGrants(config).Where(b => b.Account is not null).Select(b => new Grant(b.Account!, b.Role, b.On)).ToHashSet();

        var undocumented = granted.Except(documented).ToList();
        var missing = documented.Except(granted).ToList();

        Assert.True(undocumented.Count == 0 && missing.Count == 0,
            "terraform/ and the roles table of docs/deploy.md differ.\n" +
            (undocumented.Count > 0 ? "Granted in Terraform but not in the table:\n" + string.Join("\n", undocumented) + "\n" : string.Empty) +
            (missing.Count > 0 ? "In the table but not granted in Terraform:\n" + string.Join("\n", missing) : string.Empty));
    }

    [Fact]
    public void The_docs_table_parses_and_a_difference_would_be_seen()
    {
        var documented = DocumentedGrants();
        Assert.Contains(new Grant("pocketcode-bff", "roles/datastore.user", "project"), documented);
        Assert.Contains(new Grant("pocketcode-marketplace", "roles/storage.objectUser", "bucket marketplace-assets"), documented);
        Assert.DoesNotContain(new Grant("pocketcode-marketplace", "roles/storage.objectUser", "bucket project-source-files"), documented);
    }

    [Fact]
    public async Task Each_service_runs_as_its_own_service_account()
    {
        var config = await TerraformConfig.LoadAsync();
        var accounts = new HashSet<string>(StringComparer.Ordinal);
        foreach (var service in CloudRunServices.ByResourceName.Keys)
        {
            var template = TerraformConfig.Blocks(config.Resource("google_cloud_run_v2_service", service), "template").Single();
            var account = TerraformConfig.ReferencedName(TerraformConfig.Text(template, "service_account"), "google_service_account");
            Assert.True(account is not null, $"google_cloud_run_v2_service.{service} must run as a google_service_account of its own (template.service_account).");
            Assert.True(accounts.Add(account!), $"google_cloud_run_v2_service.{service} shares the service account {account} with another service.");
        }
    }

    [Fact]
    public async Task Internal_services_have_internal_ingress_and_only_the_bff_may_invoke_them()
    {
        var config = await TerraformConfig.LoadAsync();
        var bindings = TerraformGrants(config).ToList();
        var bffAccount = AccountId(config, "bff");

        foreach (var service in CloudRunServices.ByResourceName.Keys.Where(s => s != "bff"))
        {
            var body = config.Resource("google_cloud_run_v2_service", service);
            Assert.True(TerraformConfig.Text(body, "ingress") == "INGRESS_TRAFFIC_INTERNAL_ONLY",
                $"google_cloud_run_v2_service.{service} is internal: its ingress must be INGRESS_TRAFFIC_INTERNAL_ONLY (it is {TerraformConfig.Text(body, "ingress") ?? "unset, i.e. all"}).");

            var name = config.Resolve(TerraformConfig.Text(body, "name")!);
            var invokers = bindings.Where(b => b.On == $"Cloud Run service {name}").ToList();
            var strangers = invokers.Where(b => b.Account != bffAccount).Select(b => $"{b.Member} ({b.Role})").ToList();
            Assert.True(strangers.Count == 0, $"Only {bffAccount} may invoke {name}; Terraform also grants {string.Join(", ", strangers)}.");
            Assert.Contains(invokers, b => b.Role == "roles/run.invoker" && b.Account == bffAccount);
        }

        // Public means allUsers / allAuthenticatedUsers, and only ever on the BFF.
        var publicGrants = bindings.Where(b => b.Member is "allUsers" or "allAuthenticatedUsers").ToList();
        Assert.All(publicGrants, b => Assert.True(b.On == "Cloud Run service bff" && b.Role == "roles/run.invoker",
            $"{b.Member} may only invoke the BFF, not hold {b.Role} on {b.On}."));
        Assert.Single(publicGrants);
        Assert.Equal("INGRESS_TRAFFIC_ALL", TerraformConfig.Text(config.Resource("google_cloud_run_v2_service", "bff"), "ingress"));
    }

    [Fact]
    public async Task Members_are_the_services_own_accounts_or_the_deploy_repository()
    {
        var config = await TerraformConfig.LoadAsync();
        foreach (var binding in TerraformGrants(config).Where(b => b.Account is null))
        {
            Assert.True(
                binding.Member == "allUsers"
                || (binding.Member.StartsWith("principalSet://iam.googleapis.com/", StringComparison.Ordinal)
                    && binding.Member.Contains("/attribute.repository/", StringComparison.Ordinal)
                    && binding.Role == "roles/iam.workloadIdentityUser"),
                $"{binding.Resource} grants {binding.Role} to {binding.Member}: grant roles to a google_service_account of this configuration.");
        }
    }

    private sealed record Binding(string Resource, string Member, string? Account, string Role, string On);

    private static string AccountId(TerraformConfig config, string accountResource) =>
        config.Resolve(TerraformConfig.Text(config.Resource("google_service_account", accountResource), "account_id")!);

    private static IEnumerable<Binding> TerraformGrants(TerraformConfig config)
    {
        foreach (var type in BindingTypes)
        {
            foreach (var (name, body) in config.Resources(type))
            {
                var member = TerraformConfig.Text(body, "member") ?? throw new InvalidOperationException($"{type}.{name} has no member.");
                var accountResource = member.StartsWith("serviceAccount:", StringComparison.Ordinal)
                    ? TerraformConfig.ReferencedName(member, "google_service_account")
                    : null;
                if (member.StartsWith("serviceAccount:", StringComparison.Ordinal) && accountResource is null)
                {
                    throw new InvalidOperationException($"{type}.{name}: name the member as serviceAccount:${{google_service_account.X.email}}.");
                }

                var account = accountResource is null ? null : AccountId(config, accountResource);
                var on = Target(config, type, name, body);
                foreach (var role in TerraformConfig.ExpandForEach(body, TerraformConfig.Text(body, "role")!))
                {
                    yield return new Binding($"{type}.{name}", member, account, role, on);
                }
            }
        }
    }

    private static string Target(TerraformConfig config, string type, string name, JsonElement body)
    {
        string Referenced(string attribute, string targetType, string targetAttribute, string label)
        {
            var target = TerraformConfig.ReferencedName(TerraformConfig.Text(body, attribute), targetType)
                ?? throw new InvalidOperationException($"{type}.{name}: {attribute} must reference a {targetType} of this configuration.");
            var value = TerraformConfig.Text(config.Resource(targetType, target), targetAttribute)!;
            return $"{label} {(label == "bucket" ? TerraformConfig.WithoutInterpolations(value) : config.Resolve(value))}";
        }

        return type switch
        {
            "google_project_iam_member" => "project",
            "google_storage_bucket_iam_member" => Referenced("bucket", "google_storage_bucket", "name", "bucket"),
            "google_secret_manager_secret_iam_member" => Referenced("secret_id", "google_secret_manager_secret", "secret_id", "secret"),
            "google_service_account_iam_member" => Referenced("service_account_id", "google_service_account", "account_id", "service account"),
            "google_cloud_run_v2_service_iam_member" => Referenced("name", "google_cloud_run_v2_service", "name", "Cloud Run service"),
            _ => throw new InvalidOperationException(type),
        };
    }

    /// <summary>The rows of the table after the <c>roles-table</c> marker of docs/deploy.md.</summary>
    private static HashSet<Grant> DocumentedGrants()
    {
        var lines = File.ReadAllLines(NpmFolder.InRepository("docs", "deploy.md"));
        var start = Array.FindIndex(lines, l => l.Contains("<!-- roles-table", StringComparison.Ordinal));
        Assert.True(start >= 0, "docs/deploy.md has no <!-- roles-table --> marker before the service accounts' roles table.");
        var grants = new HashSet<Grant>();
        foreach (var line in lines.Skip(start + 3).TakeWhile(l => l.TrimStart().StartsWith('|')))
        {
            var cells = line.Trim().Trim('|').Split('|').Select(c => c.Replace("`", string.Empty, StringComparison.Ordinal).Trim()).ToArray();
            Assert.True(cells.Length == 3, $"docs/deploy.md roles table: '{line}' should have three cells (service account | role | on).");
            var on = ParentheticalPattern().Replace(cells[2], string.Empty).Trim();
            Assert.True(grants.Add(new Grant(cells[0], cells[1], on)), $"docs/deploy.md lists '{line}' twice.");
        }

        return grants;
    }

    [GeneratedRegex(@"\s*\([^)]*\)")]
    private static partial Regex ParentheticalPattern();
}
