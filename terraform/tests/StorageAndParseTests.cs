using System.Text.Json;
using PocketCode.Storage.Blobs;
using Xunit;

namespace PocketCode.Terraform.Tests;

/// <summary>Every Terraform file parses; the buckets are private, cleaned up and aged as DESIGN.md says.</summary>
public sealed class StorageAndParseTests
{
    public static TheoryData<string> TerraformFiles => [.. TerraformConfig.Files.Append(TerraformConfig.ExampleVariablesFile).Select(f => Path.GetFileName(f))];

    [Theory]
    [MemberData(nameof(TerraformFiles))]
    public async Task Every_file_parses(string file)
    {
        var parsed = await TerraformConfig.ParseAsync(Path.Combine(TerraformConfig.Folder, file));
        Assert.Equal(JsonValueKind.Object, parsed.ValueKind);
        Assert.NotEmpty(parsed.EnumerateObject());
    }

    [Fact]
    public async Task The_example_variables_give_every_required_variable()
    {
        var config = await TerraformConfig.LoadAsync();
        // Resolving a variable with neither default nor example value fails naming it.
        foreach (var variable in new[] { "project_id", "bucket_prefix", "github_repository", "billing_account", "bff_image_tag", "api_proxy_image_tag", "marketplace_image_tag" })
        {
            Assert.NotEmpty(config.Resolve("${var." + variable + "}"));
        }
    }

    [Fact]
    public async Task Every_bucket_the_code_knows_exists_private_with_uniform_access()
    {
        var config = await TerraformConfig.LoadAsync();
        var buckets = Buckets(config);

        foreach (var logical in BucketNames.All)
        {
            Assert.True(buckets.ContainsKey(logical), $"terraform/storage.tf has no bucket named ${{var.bucket_prefix}}{logical} (the services use GCS_BUCKET_PREFIX + '{logical}').");
        }

        foreach (var (logical, body) in buckets)
        {
            Assert.True(TerraformConfig.Text(body, "uniform_bucket_level_access") == "true", $"bucket {logical}: uniform_bucket_level_access must be true.");
            Assert.True(TerraformConfig.Text(body, "public_access_prevention") == "enforced", $"bucket {logical}: public_access_prevention must be \"enforced\".");
            Assert.True(TerraformConfig.Text(body, "name")!.StartsWith("${var.bucket_prefix}", StringComparison.Ordinal), $"bucket {logical}: its name must start with var.bucket_prefix (GCS_BUCKET_PREFIX).");
            Assert.True(Rules(config, body).Any(r => r.Action == "AbortIncompleteMultipartUpload"), $"bucket {logical} needs a lifecycle rule that aborts incomplete multipart uploads.");
        }
    }

    [Fact]
    public async Task Build_artifacts_move_to_colder_classes_as_they_age_then_are_deleted()
    {
        var config = await TerraformConfig.LoadAsync();
        var rules = Rules(config, Buckets(config)[BucketNames.BuildArtifacts]).ToList();

        var transitions = rules.Where(r => r.Action == "SetStorageClass").OrderBy(r => r.Age).ToList();
        Assert.True(transitions.Count >= 2, "build-artifacts should move to at least two colder storage classes (NEARLINE, COLDLINE, ...).");
        var order = new[] { "STANDARD", "NEARLINE", "COLDLINE", "ARCHIVE" };
        var classes = transitions.Select(r => Array.IndexOf(order, r.StorageClass)).ToList();
        Assert.True(classes.All(c => c > 0) && classes.SequenceEqual(classes.Order().Distinct()),
            $"build-artifacts' transitions must go to ever colder classes as age grows: {string.Join(", ", transitions.Select(t => $"{t.Age}d→{t.StorageClass}"))}.");

        var deletion = Assert.Single(rules, r => r.Action == "Delete");
        Assert.True(deletion.Age > transitions.Max(t => t.Age), "build-artifacts are deleted only after their last transition.");
        // An ARCHIVE object deleted before 365 days is billed for 365 anyway; keep the deletion past the minimum durations.
        Assert.True(deletion.Age >= transitions[^1].Age + 30, "build-artifacts' deletion comes too soon after the last transition (minimum storage durations).");
    }

    [Fact]
    public async Task Source_files_are_versioned_and_old_versions_expire()
    {
        var config = await TerraformConfig.LoadAsync();
        var body = Buckets(config)[BucketNames.ProjectSourceFiles];

        Assert.Equal("true", TerraformConfig.Blocks(body, "versioning").Select(v => TerraformConfig.Text(v, "enabled")).SingleOrDefault());
        Assert.Contains(Rules(config, body), r => r.Action == "Delete" && (r.Condition.Contains("days_since_noncurrent_time") || r.Condition.Contains("num_newer_versions")));
    }

    [Fact]
    public async Task Build_cache_entries_are_deleted_after_the_retention_days_and_only_the_bff_may_touch_them()
    {
        var config = await TerraformConfig.LoadAsync();
        var rules = Rules(config, Buckets(config)[BucketNames.BuildCache]).ToList();

        // The cache is rebuilt by the next default-branch build, so it never moves to colder
        // classes (their minimum storage durations would outlive the entries); it is deleted.
        var deletion = Assert.Single(rules, r => r.Action == "Delete");
        Assert.Equal(["age"], deletion.Condition);
        Assert.InRange(deletion.Age, 1, 90);
        Assert.DoesNotContain(rules, r => r.Action == "SetStorageClass");

        var members = config.Resources("google_storage_bucket_iam_member")
            .Where(pair => TerraformConfig.Text(pair.Value, "bucket") == "${google_storage_bucket.build_cache.name}")
            .Select(pair => TerraformConfig.Text(pair.Value, "member"))
            .ToList();
        Assert.Equal(["serviceAccount:${google_service_account.bff.email}"], members);
    }

    [Fact]
    public async Task Buckets_the_app_uploads_to_allow_cors_for_signed_urls()
    {
        var config = await TerraformConfig.LoadAsync();

        // The build cache is served by the BFF itself: no signed URL, no browser, no CORS.
        foreach (var logical in BucketNames.All.Where(b => b != BucketNames.BuildCache))
        {
            var cors = TerraformConfig.Blocks(Buckets(config)[logical], "cors").ToList();
            Assert.True(cors.Count > 0, $"bucket {logical}: signed uploads from the app need a cors block.");
            Assert.Contains("PUT", TerraformConfig.Text(cors[0], "method") ?? string.Empty, StringComparison.Ordinal);
        }
    }

    private static Dictionary<string, JsonElement> Buckets(TerraformConfig config) =>
        config.Resources("google_storage_bucket").ToDictionary(
            pair => TerraformConfig.WithoutInterpolations(TerraformConfig.Text(pair.Value, "name")!), pair => pair.Value, StringComparer.Ordinal);

    private sealed record Rule(string Action, string? StorageClass, int Age, HashSet<string> Condition);

    private static IEnumerable<Rule> Rules(TerraformConfig config, JsonElement bucket) =>
        TerraformConfig.Blocks(bucket, "lifecycle_rule").Select(rule =>
        {
            var action = TerraformConfig.Blocks(rule, "action").Single();
            var condition = TerraformConfig.Blocks(rule, "condition").Single();
            var age = condition.TryGetProperty("age", out var a) && a.ValueKind == JsonValueKind.Number ? a.GetInt32() : 0;
            if (condition.TryGetProperty("age", out var expression) && expression.ValueKind == JsonValueKind.String)
            {
                // A variable (artifact_retention_days): its value in the example deployment.
                age = int.Parse(config.Resolve(expression.GetString()!), System.Globalization.CultureInfo.InvariantCulture);
            }

            return new Rule(TerraformConfig.Text(action, "type")!, TerraformConfig.Text(action, "storage_class"), age,
                condition.EnumerateObject().Select(p => p.Name).ToHashSet(StringComparer.Ordinal));
        });
}
