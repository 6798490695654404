using System.Text.Json;
using System.Text.RegularExpressions;
using PocketCode.Testing;

namespace PocketCode.Terraform.Tests;

/// <summary>
/// Every <c>.tf</c> file of <c>terraform/</c> parsed with hcl2json (tools/linters) and merged, plus
/// <c>terraform.tfvars.example</c> as the example deployment. Resolves the simple references the
/// configuration uses (<c>var.x</c>, <c>local.x</c>, <c>TYPE.NAME.ATTR</c>) the way Terraform would
/// for that example. Hand-written: there is no Terraform binary or .NET HCL evaluator here.
/// </summary>
public sealed partial class TerraformConfig
{
    private readonly Dictionary<string, Dictionary<string, JsonElement>> _resources = new(StringComparer.Ordinal);
    private readonly Dictionary<string, JsonElement> _locals = new(StringComparer.Ordinal);
    private readonly Dictionary<string, JsonElement> _variableDefaults = new(StringComparer.Ordinal);
    private readonly Dictionary<string, JsonElement> _exampleValues = new(StringComparer.Ordinal);
    private readonly List<(string From, string To)> _moved = [];

    public static string Folder { get; } = NpmFolder.InRepository("terraform");

    public static IReadOnlyList<string> Files { get; } =
        Directory.GetFiles(Folder, "*.tf").Order(StringComparer.Ordinal).ToList();

    public static string ExampleVariablesFile { get; } = Path.Combine(Folder, "terraform.tfvars.example");

    private static readonly SemaphoreSlim LoadGate = new(1, 1);
    private static TerraformConfig? s_loaded;

    /// <summary>The configuration, parsed once per test run.</summary>
    public static async Task<TerraformConfig> LoadAsync()
    {
        await LoadGate.WaitAsync();
        try
        {
            if (s_loaded is not null)
            {
                return s_loaded;
            }

            var config = new TerraformConfig();
            foreach (var file in Files)
            {
                config.Merge(Path.GetFileName(file), await ParseAsync(file));
            }

            foreach (var property in (await ParseAsync(ExampleVariablesFile)).EnumerateObject())
            {
                config._exampleValues[property.Name] = property.Value.Clone();
            }

            return s_loaded = config;
        }
        finally
        {
            LoadGate.Release();
        }
    }

    /// <summary>One file through hcl2json; fails naming the file when it does not parse.</summary>
    public static async Task<JsonElement> ParseAsync(string file)
    {
        var result = await Linters.RunAsync("hcl2json", file);
        if (result.ExitCode != 0 || string.IsNullOrWhiteSpace(result.StandardOutput))
        {
            throw new InvalidOperationException($"{Path.GetFileName(file)} does not parse as HCL: {result.StandardError}");
        }

        using var document = JsonDocument.Parse(result.StandardOutput);
        return document.RootElement.Clone();
    }

    private void Merge(string fileName, JsonElement parsed)
    {
        if (parsed.TryGetProperty("resource", out var resources))
        {
            foreach (var type in resources.EnumerateObject())
            {
                if (!_resources.TryGetValue(type.Name, out var byName))
                {
                    _resources[type.Name] = byName = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
                }

                foreach (var resource in type.Value.EnumerateObject())
                {
                    if (!byName.TryAdd(resource.Name, resource.Value[0].Clone()))
                    {
                        throw new InvalidOperationException($"{fileName}: {type.Name}.{resource.Name} is declared twice.");
                    }
                }
            }
        }

        if (parsed.TryGetProperty("locals", out var locals))
        {
            foreach (var block in locals.EnumerateArray())
            {
                foreach (var local in block.EnumerateObject())
                {
                    _locals[local.Name] = local.Value.Clone();
                }
            }
        }

        if (parsed.TryGetProperty("moved", out var moved))
        {
            foreach (var block in moved.EnumerateArray())
            {
                _moved.Add((Text(block, "from") ?? string.Empty, Text(block, "to") ?? string.Empty));
            }
        }

        if (parsed.TryGetProperty("variable", out var variables))
        {
            foreach (var variable in variables.EnumerateObject())
            {
                if (variable.Value[0].TryGetProperty("default", out var value))
                {
                    _variableDefaults[variable.Name] = value.Clone();
                }
            }
        }
    }

    /// <summary>Resources of one type by name (the body of each, a JSON object).</summary>
    public IReadOnlyDictionary<string, JsonElement> Resources(string type) =>
        _resources.TryGetValue(type, out var byName) ? byName : new Dictionary<string, JsonElement>();

    public JsonElement Resource(string type, string name) =>
        Resources(type).TryGetValue(name, out var body)
            ? body
            : throw new InvalidOperationException($"terraform/ has no resource {type}.{name}.");

    /// <summary>The expression of a local value as written (<c>${...}</c>); null when no <c>locals</c> block defines it.</summary>
    public string? Local(string name) =>
        _locals.TryGetValue(name, out var value) ? value.ValueKind == JsonValueKind.String ? value.GetString() : value.GetRawText() : null;

    /// <summary>Every <c>moved</c> block's addresses as written (<c>${TYPE.NAME}</c>, <c>${TYPE.NAME["key"]}</c>).</summary>
    public IReadOnlyList<(string From, string To)> Moved => _moved;

    /// <summary>
    /// A string with every <c>${...}</c> replaced by its value in the example deployment; a
    /// Cloud Run service's <c>uri</c> becomes a run.app URL of its name.
    /// </summary>
    public string Resolve(string value, int depth = 0)
    {
        if (depth > 10)
        {
            throw new InvalidOperationException($"References nest too deep resolving '{value}'.");
        }

        return InterpolationPattern().Replace(value, match => ResolveExpression(match.Groups[1].Value.Trim(), depth));
    }

    private string ResolveExpression(string expression, int depth)
    {
        var parts = expression.Split('.');
        if (parts is ["var", var name])
        {
            var value = _exampleValues.TryGetValue(name, out var example) ? example
                : _variableDefaults.TryGetValue(name, out var fallback) ? fallback
                : throw new InvalidOperationException($"var.{name} has neither a default nor a value in terraform.tfvars.example.");
            return Scalar(value, expression, depth);
        }

        if (parts is ["local", var local] && _locals.TryGetValue(local, out var localValue))
        {
            return Scalar(localValue, expression, depth);
        }

        if (parts is [var type, var resourceName, var attribute] && Resources(type).TryGetValue(resourceName, out var resource))
        {
            if (type == "google_cloud_run_v2_service" && attribute == "uri")
            {
                return $"https://{Resolve(resource.GetProperty("name").GetString()!, depth + 1)}-q7x2abcdeq-ew.a.run.app";
            }

            if (resource.TryGetProperty(attribute, out var attributeValue))
            {
                return Scalar(attributeValue, expression, depth);
            }
        }

        throw new InvalidOperationException($"Cannot resolve ${{{expression}}} for the example deployment.");
    }

    private string Scalar(JsonElement value, string expression, int depth) => value.ValueKind switch
    {
        JsonValueKind.String => Resolve(value.GetString()!, depth + 1),
        JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => value.GetRawText(),
        _ => throw new InvalidOperationException($"${{{expression}}} is not a single value."),
    };

    /// <summary>The name of the resource a reference like <c>${google_service_account.bff.email}</c> points at.</summary>
    public static string? ReferencedName(string? value, string type) =>
        value is not null && Regex.Match(value, @"\$\{" + Regex.Escape(type) + @"\.([A-Za-z0-9_-]+)\.") is { Success: true } match
            ? match.Groups[1].Value
            : null;

    /// <summary>A string with its interpolations removed: <c>${var.bucket_prefix}build-artifacts</c> → <c>build-artifacts</c>.</summary>
    public static string WithoutInterpolations(string value) => InterpolationPattern().Replace(value, string.Empty);

    /// <summary>The quoted strings of a <c>for_each = toset([...])</c> literal, or the single key/value otherwise.</summary>
    public static IReadOnlyList<string> ExpandForEach(JsonElement resource, string value)
    {
        if (value is not ("${each.value}" or "${each.key}"))
        {
            return [value];
        }

        var forEach = resource.TryGetProperty("for_each", out var raw) ? raw.GetString() ?? string.Empty : string.Empty;
        var items = QuotedPattern().Matches(forEach).Select(m => m.Groups[1].Value).ToList();
        return items.Count > 0
            ? items
            : throw new InvalidOperationException($"Cannot expand for_each '{forEach}': list the values literally (toset([\"...\"])).");
    }

    /// <summary>Nested block (hcl2json renders each block as an array of bodies); empty when absent.</summary>
    public static IEnumerable<JsonElement> Blocks(JsonElement body, string name) =>
        body.ValueKind == JsonValueKind.Object && body.TryGetProperty(name, out var blocks) && blocks.ValueKind == JsonValueKind.Array
            ? blocks.EnumerateArray()
            : [];

    public static string? Text(JsonElement body, string name) =>
        body.TryGetProperty(name, out var value) ? value.ValueKind == JsonValueKind.String ? value.GetString() : value.GetRawText() : null;

    [GeneratedRegex(@"\$\{([^{}]+)\}")]
    private static partial Regex InterpolationPattern();

    [GeneratedRegex("\"([^\"]+)\"")]
    private static partial Regex QuotedPattern();
}
