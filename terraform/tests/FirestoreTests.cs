using System.Text;
using System.Text.Json;
using PocketCode.Storage.Documents;
using Xunit;

namespace PocketCode.Terraform.Tests;

/// <summary>
/// Every composite index and TTL policy a service declares in code (AddDocumentStoreRequirements,
/// read back from the running service's container) exists in <c>terraform/firestore.tf</c>.
/// </summary>
public sealed class FirestoreTests
{
    [Theory]
    [MemberData(nameof(CloudRunServices.Names), MemberType = typeof(CloudRunServices))]
    public async Task Every_composite_index_the_service_declares_exists(string service)
    {
        var config = await TerraformConfig.LoadAsync();
        var launch = await CloudRunServices.LaunchAsTerraformConfiguresAsync(service);
        Assert.True(launch.Started, $"{service} does not start with Terraform's environment: {launch.Failure}");
        var declared = launch.Requirements?.Indexes ?? [];

        var existing = Indexes(config);
        var missing = declared.Where(index => !existing.Contains(index)).ToList();

        Assert.True(missing.Count == 0,
            $"{service} declares composite indexes that terraform/firestore.tf lacks (fields in this order):\n" +
            string.Join("\n", missing.Select(index => $"- {index}\n{Hcl(index)}")));
    }

    [Theory]
    [MemberData(nameof(CloudRunServices.Names), MemberType = typeof(CloudRunServices))]
    public async Task Every_ttl_policy_the_service_declares_exists(string service)
    {
        var config = await TerraformConfig.LoadAsync();
        var launch = await CloudRunServices.LaunchAsTerraformConfiguresAsync(service);
        Assert.True(launch.Started, $"{service} does not start with Terraform's environment: {launch.Failure}");
        var declared = launch.Requirements?.TtlPolicies ?? [];

        var existing = TtlPolicies(config);
        var missing = declared.Where(policy => !existing.Contains(policy)).ToList();

        Assert.True(missing.Count == 0,
            $"{service} declares TTL policies that terraform/firestore.tf lacks (a google_firestore_field with ttl_config {{}}): " +
            string.Join(", ", missing.Select(p => $"{p.Collection}.{p.TimestampField}")));
    }

    [Fact]
    public async Task The_bff_declares_its_indexes_so_the_checks_above_see_something()
    {
        var launch = await CloudRunServices.LaunchAsTerraformConfiguresAsync("bff");
        Assert.True(launch.Started, launch.Failure);
        Assert.Contains(new CompositeIndex("projects", IndexField.Asc("ownerUid"), IndexField.Asc("state"), IndexField.Desc("lastActivityAt")), launch.Requirements!.Indexes);
        Assert.Contains(new TtlPolicy("idempotency_keys", "expiresAt"), launch.Requirements.TtlPolicies);

        // And an index Terraform lacks would be reported.
        var config = await TerraformConfig.LoadAsync();
        Assert.DoesNotContain(new CompositeIndex("projects", IndexField.Asc("ownerUid"), IndexField.Desc("nowhere")), Indexes(config));
    }

    [Fact]
    public async Task The_database_is_firestore_native_and_indexes_belong_to_it()
    {
        var config = await TerraformConfig.LoadAsync();
        var databases = config.Resources("google_firestore_database");
        var database = Assert.Single(databases);
        Assert.Equal("FIRESTORE_NATIVE", TerraformConfig.Text(database.Value, "type"));
        Assert.Equal("(default)", TerraformConfig.Text(database.Value, "name"));

        foreach (var (name, body) in config.Resources("google_firestore_index").Concat(config.Resources("google_firestore_field")))
        {
            Assert.True(TerraformConfig.ReferencedName(TerraformConfig.Text(body, "database"), "google_firestore_database") == database.Key,
                $"{name} must name its database as google_firestore_database.{database.Key}.name");
        }
    }

    private static HashSet<CompositeIndex> Indexes(TerraformConfig config) =>
        config.Resources("google_firestore_index").Select(pair =>
        {
            var body = pair.Value;
            Assert.True(TerraformConfig.Text(body, "query_scope") is null or "COLLECTION", $"google_firestore_index.{pair.Key}: only COLLECTION scope is used.");
            var fields = TerraformConfig.Blocks(body, "fields").Select(field => new IndexField(
                TerraformConfig.Text(field, "field_path")!,
                TerraformConfig.Text(field, "array_config") == "CONTAINS" ? IndexFieldMode.ArrayContains
                    : TerraformConfig.Text(field, "order") == "DESCENDING" ? IndexFieldMode.Descending
                    : IndexFieldMode.Ascending)).ToArray();
            return new CompositeIndex(TerraformConfig.Text(body, "collection")!, fields);
        }).ToHashSet();

    private static HashSet<TtlPolicy> TtlPolicies(TerraformConfig config) =>
        config.Resources("google_firestore_field")
            .Where(pair => pair.Value.TryGetProperty("ttl_config", out var ttl) && ttl.ValueKind == JsonValueKind.Array)
            .Select(pair => new TtlPolicy(TerraformConfig.Text(pair.Value, "collection")!, TerraformConfig.Text(pair.Value, "field")!))
            .ToHashSet();

    /// <summary>The block to paste into firestore.tf.</summary>
    private static string Hcl(CompositeIndex index)
    {
        var text = new StringBuilder();
        var name = index.Collection + "_" + string.Join("_", index.Fields.Select(f => f.FieldPath.Replace('.', '_')));
        text.Append("resource \"google_firestore_index\" \"").Append(name).AppendLine("\" {");
        text.AppendLine("  project     = var.project_id");
        text.AppendLine("  database    = google_firestore_database.main.name");
        text.Append("  collection  = \"").Append(index.Collection).AppendLine("\"");
        text.AppendLine("  query_scope = \"COLLECTION\"");
        foreach (var field in index.Fields)
        {
            text.AppendLine("  fields {");
            text.Append("    field_path = \"").Append(field.FieldPath).AppendLine("\"");
            text.AppendLine(field.Mode switch
            {
                IndexFieldMode.ArrayContains => "    array_config = \"CONTAINS\"",
                IndexFieldMode.Descending => "    order      = \"DESCENDING\"",
                _ => "    order      = \"ASCENDING\"",
            });
            text.AppendLine("  }");
        }

        return text.Append('}').ToString();
    }
}
