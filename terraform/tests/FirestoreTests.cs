using PocketCode.Storage.Documents;
using Xunit;

namespace PocketCode.Terraform.Tests;

/// <summary>
/// The composite indexes and TTL policies the services declare in code (AddDocumentStoreRequirements,
/// read back from each service started as Terraform configures it) are exactly the entries of
/// <c>terraform/firestore_requirements.json</c>, and <c>terraform/firestore.tf</c> creates one
/// resource per entry of that file. With <c>UPDATE_FIRESTORE_REQUIREMENTS=1</c> the file is first
/// rewritten from the declarations (<see cref="FirestoreRequirementsFile.RegenerateCommand"/>).
/// </summary>
public sealed class FirestoreTests
{
    private static readonly Lazy<Task<FirestoreRequirementsFile.Contents>> RequirementsFile = new(LoadFileAsync);

    [Theory]
    [MemberData(nameof(CloudRunServices.Names), MemberType = typeof(CloudRunServices))]
    public async Task Every_composite_index_the_service_declares_is_in_the_requirements_file(string service)
    {
        var declared = (await DeclaredAsync(service)).Indexes;
        var listed = (await RequirementsFile.Value).Indexes.Values.ToHashSet();

        var missing = declared.Where(index => !listed.Contains(index)).ToList();
        Assert.True(missing.Count == 0,
            $"{service} declares composite indexes that terraform/{FirestoreRequirementsFile.FileName} lacks (fields in this order):\n" +
            string.Join("\n", missing.Select(index => $"- {index}")) + $"\nRegenerate the file: {FirestoreRequirementsFile.RegenerateCommand}");
    }

    [Theory]
    [MemberData(nameof(CloudRunServices.Names), MemberType = typeof(CloudRunServices))]
    public async Task Every_ttl_policy_the_service_declares_is_in_the_requirements_file(string service)
    {
        var declared = (await DeclaredAsync(service)).TtlPolicies;
        var listed = (await RequirementsFile.Value).TtlPolicies.Values.ToHashSet();

        var missing = declared.Where(policy => !listed.Contains(policy)).ToList();
        Assert.True(missing.Count == 0,
            $"{service} declares TTL policies that terraform/{FirestoreRequirementsFile.FileName} lacks: " +
            string.Join(", ", missing.Select(p => $"{p.Collection}.{p.TimestampField}")) + $"\nRegenerate the file: {FirestoreRequirementsFile.RegenerateCommand}");
    }

    [Fact]
    public async Task The_requirements_file_lists_nothing_that_no_service_declares_and_is_exactly_what_they_declare()
    {
        var contents = await RequirementsFile.Value;
        var declared = await DeclaredByEveryServiceAsync();

        var (missing, undeclared) = Differences(declared, contents);
        Assert.True(undeclared.Count == 0,
            $"terraform/{FirestoreRequirementsFile.FileName} lists what no service declares (Terraform would create or keep indexes or TTL policies nothing uses):\n" +
            string.Join("\n", undeclared.Select(key => "- " + key)) + $"\nRegenerate the file: {FirestoreRequirementsFile.RegenerateCommand}");
        Assert.True(missing.Count == 0,
            $"terraform/{FirestoreRequirementsFile.FileName} lacks what the services declare:\n" +
            string.Join("\n", missing.Select(key => "- " + key)) + $"\nRegenerate the file: {FirestoreRequirementsFile.RegenerateCommand}");

        // Same entries; the text (key order, declared_by, layout) must also be what the command writes,
        // so the file is never edited by hand.
        Assert.True(FirestoreRequirementsFile.Render(declared) == FirestoreRequirementsFile.ReadText(),
            $"terraform/{FirestoreRequirementsFile.FileName} has the declared entries but not the generated text (declared_by, order or layout). " +
            $"Regenerate the file: {FirestoreRequirementsFile.RegenerateCommand}");
    }

    [Fact]
    public async Task Firestore_tf_creates_one_index_and_one_ttl_field_per_entry_of_the_requirements_file()
    {
        var config = await TerraformConfig.LoadAsync();
        AssertCreatesOneResourcePerEntry(config);
        var contents = await RequirementsFile.Value;
        Assert.NotEmpty(contents.Indexes);
        Assert.NotEmpty(contents.TtlPolicies);
    }

    [Fact]
    public async Task The_checks_see_the_bffs_declarations_and_report_what_is_missing_or_undeclared()
    {
        var bff = await DeclaredAsync("bff");
        var projects = new CompositeIndex("projects", IndexField.Asc("ownerUid"), IndexField.Asc("state"), IndexField.Desc("lastActivityAt"));
        Assert.Contains(projects, bff.Indexes);
        Assert.Contains(new TtlPolicy("idempotency_keys", "expiresAt"), bff.TtlPolicies);
        Assert.Contains(projects, await TerraformIndexesAsync());
        Assert.Contains(new TtlPolicy("idempotency_keys", "expiresAt"), await TerraformTtlPoliciesAsync());

        // An index Terraform lacks would be reported...
        var nowhere = new CompositeIndex("projects", IndexField.Asc("ownerUid"), IndexField.Desc("nowhere"));
        Assert.DoesNotContain(nowhere, await TerraformIndexesAsync());
        var declared = await DeclaredByEveryServiceAsync();
        var withExtraDeclaration = new Dictionary<string, DocumentStoreRequirementsCatalog>(declared)
        {
            ["bff"] = new([new DocumentStoreRequirements([.. bff.Indexes, nowhere], bff.TtlPolicies)]),
        };
        var contents = await RequirementsFile.Value;
        Assert.Equal([FirestoreRequirementsFile.Key(nowhere)], Differences(withExtraDeclaration, contents).Missing);

        // ...and so would an entry of the file that no service declares.
        var withoutBff = declared.Where(pair => pair.Key != "bff").ToDictionary(pair => pair.Key, pair => pair.Value);
        Assert.Contains(FirestoreRequirementsFile.Key(projects), Differences(withoutBff, contents).Undeclared);
        Assert.Contains(FirestoreRequirementsFile.Key(new TtlPolicy("idempotency_keys", "expiresAt")), Differences(withoutBff, contents).Undeclared);
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

    /// <summary>
    /// The moved blocks that carried the hand-written resources over to the for_each instances
    /// (firestore_moved.tf) point at entries of the file; Terraform would otherwise plan to destroy
    /// and recreate the indexes.
    /// </summary>
    [Fact]
    public async Task Every_moved_block_lands_on_an_entry_of_the_requirements_file()
    {
        var config = await TerraformConfig.LoadAsync();
        var contents = await RequirementsFile.Value;
        var targets = new Dictionary<string, IReadOnlyCollection<string>>(StringComparer.Ordinal)
        {
            ["google_firestore_index"] = contents.Indexes.Keys.ToList(),
            ["google_firestore_field"] = contents.TtlPolicies.Keys.ToList(),
        };

        foreach (var (from, to) in config.Moved.Where(m => targets.Keys.Any(type => m.To.StartsWith("${" + type + ".", StringComparison.Ordinal))))
        {
            var type = targets.Keys.Single(t => to.StartsWith("${" + t + ".", StringComparison.Ordinal));
            var (resourceName, _) = Assert.Single(config.Resources(type));
            var prefix = "${" + type + "." + resourceName + "[\"";
            Assert.True(to.StartsWith(prefix, StringComparison.Ordinal) && to.EndsWith("\"]}", StringComparison.Ordinal),
                $"moved to {to} is not an instance of {type}.{resourceName}");
            var key = to[prefix.Length..^3];
            Assert.True(targets[type].Contains(key),
                $"moved {from} -> {to}: {FirestoreRequirementsFile.FileName} has no entry \"{key}\" (once every deployment has applied the move, delete the block).");
            Assert.Matches(@"^\$\{" + type.Replace(".", @"\.", StringComparison.Ordinal) + @"\.[A-Za-z0-9_]+\}$", from);
        }
    }

    private const string RequirementsLocal = "firestore_requirements";

    /// <summary>What the service declares (an empty catalog when it declares nothing).</summary>
    private static async Task<DocumentStoreRequirementsCatalog> DeclaredAsync(string service)
    {
        var launch = await CloudRunServices.LaunchAsTerraformConfiguresAsync(service);
        Assert.True(launch.Started, $"{service} does not start with Terraform's environment: {launch.Failure}");
        return launch.Requirements ?? new DocumentStoreRequirementsCatalog([]);
    }

    private static async Task<IReadOnlyDictionary<string, DocumentStoreRequirementsCatalog>> DeclaredByEveryServiceAsync()
    {
        var declared = new Dictionary<string, DocumentStoreRequirementsCatalog>(StringComparer.Ordinal);
        foreach (var service in CloudRunServices.ByResourceName.Keys)
        {
            declared[service] = await DeclaredAsync(service);
        }

        return declared;
    }

    /// <summary>Keys the services declare that the file lacks, and keys of the file no service declares.</summary>
    private static (IReadOnlyList<string> Missing, IReadOnlyList<string> Undeclared) Differences(
        IReadOnlyDictionary<string, DocumentStoreRequirementsCatalog> declared, FirestoreRequirementsFile.Contents contents)
    {
        var declaredKeys = declared.Values.SelectMany(catalog =>
                catalog.Indexes.Select(FirestoreRequirementsFile.Key).Concat(catalog.TtlPolicies.Select(FirestoreRequirementsFile.Key)))
            .ToHashSet(StringComparer.Ordinal);
        var listedKeys = contents.Indexes.Keys.Concat(contents.TtlPolicies.Keys).ToHashSet(StringComparer.Ordinal);
        return (declaredKeys.Except(listedKeys).Order(StringComparer.Ordinal).ToList(),
            listedKeys.Except(declaredKeys).Order(StringComparer.Ordinal).ToList());
    }

    /// <summary>The composite indexes firestore.tf creates: one per entry of the file, once its for_each is checked.</summary>
    private static async Task<HashSet<CompositeIndex>> TerraformIndexesAsync()
    {
        AssertCreatesOneResourcePerEntry(await TerraformConfig.LoadAsync());
        return (await RequirementsFile.Value).Indexes.Values.ToHashSet();
    }

    /// <summary>The TTL policies firestore.tf creates: one per entry of the file, once its for_each is checked.</summary>
    private static async Task<HashSet<TtlPolicy>> TerraformTtlPoliciesAsync()
    {
        AssertCreatesOneResourcePerEntry(await TerraformConfig.LoadAsync());
        return (await RequirementsFile.Value).TtlPolicies.Values.ToHashSet();
    }

    /// <summary>
    /// firestore.tf decodes the file into a local and has exactly one google_firestore_index and one
    /// google_firestore_field, each with for_each over that local's entries: every field block of an
    /// index comes from the entry (dynamic), and nothing else is written by hand.
    /// </summary>
    private static void AssertCreatesOneResourcePerEntry(TerraformConfig config)
    {
        Assert.Equal($"${{jsondecode(file(\"${{path.module}}/{FirestoreRequirementsFile.FileName}\"))}}", config.Local(RequirementsLocal));

        var (_, index) = Assert.Single(config.Resources("google_firestore_index"));
        Assert.Equal($"${{local.{RequirementsLocal}.indexes}}", TerraformConfig.Text(index, "for_each"));
        Assert.Equal("${each.value.collection}", TerraformConfig.Text(index, "collection"));
        Assert.Equal("COLLECTION", TerraformConfig.Text(index, "query_scope"));
        Assert.Empty(TerraformConfig.Blocks(index, "fields"));
        Assert.True(index.TryGetProperty("dynamic", out var dynamicBlocks), "google_firestore_index needs a dynamic \"fields\" block.");
        var dynamic = Assert.Single(TerraformConfig.Blocks(dynamicBlocks, "fields"));
        Assert.Equal("${each.value.fields}", TerraformConfig.Text(dynamic, "for_each"));
        var content = Assert.Single(TerraformConfig.Blocks(dynamic, "content"));
        Assert.Equal(new[] { "array_config", "field_path", "order" }, content.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal("${fields.value.field_path}", TerraformConfig.Text(content, "field_path"));
        Assert.Equal("${lookup(fields.value, \"order\", null)}", TerraformConfig.Text(content, "order"));
        Assert.Equal("${lookup(fields.value, \"array_config\", null)}", TerraformConfig.Text(content, "array_config"));

        var (_, field) = Assert.Single(config.Resources("google_firestore_field"));
        Assert.Equal($"${{local.{RequirementsLocal}.ttl_policies}}", TerraformConfig.Text(field, "for_each"));
        Assert.Equal("${each.value.collection}", TerraformConfig.Text(field, "collection"));
        Assert.Equal("${each.value.field}", TerraformConfig.Text(field, "field"));
        Assert.Equal("{}", Assert.Single(TerraformConfig.Blocks(field, "ttl_config")).GetRawText());
        // An empty index_config exempts the timestamp from single-field indexing (monotonic values hot-spot).
        Assert.Equal("{}", Assert.Single(TerraformConfig.Blocks(field, "index_config")).GetRawText());
    }

    /// <summary>The file, first rewritten from every service's declarations when <c>UPDATE_FIRESTORE_REQUIREMENTS=1</c>.</summary>
    private static async Task<FirestoreRequirementsFile.Contents> LoadFileAsync()
    {
        if (Environment.GetEnvironmentVariable(FirestoreRequirementsFile.UpdateVariable) == "1")
        {
            Assert.False(string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase),
                $"{FirestoreRequirementsFile.UpdateVariable} rewrites the file; CI must check it, not write it.");
            await File.WriteAllTextAsync(FirestoreRequirementsFile.Path, FirestoreRequirementsFile.Render(await DeclaredByEveryServiceAsync()));
        }

        return FirestoreRequirementsFile.Parse(FirestoreRequirementsFile.ReadText());
    }
}
