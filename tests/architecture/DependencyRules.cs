namespace PocketCode.Architecture.Tests;

/// <summary>
/// The allowed dependencies between projects (docs/architecture.md, "Projects and their
/// dependencies"). Libraries form layers: platform (service defaults) at the bottom, storage on
/// it, accounts on both; archives, healthprobe and testing stand alone. Services use libraries,
/// never each other; libraries never use services. Test projects, benchmarks and the AppHost may
/// reference what they exercise.
/// </summary>
public static class DependencyRules
{
    /// <summary>The libraries each library may reference; a library missing here may reference none.</summary>
    public static readonly IReadOnlyDictionary<string, string[]> LibraryLayers = new Dictionary<string, string[]>
    {
        ["platform"] = [],
        ["storage"] = ["platform"],
        ["accounts"] = ["platform", "storage"],
        ["archives"] = [],
        ["healthprobe"] = [],
        ["testing"] = [],
    };

    /// <summary>Every edge that breaks a rule, each with the reason.</summary>
    public static IReadOnlyList<string> Violations(ProjectGraph graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var violations = new List<string>();
        foreach (var (from, to) in graph.Edges)
        {
            if (from.IsTest)
            {
                continue;
            }

            if (from.IsLibrary && to.Service is not null)
            {
                violations.Add($"{from} -> {to}: a library must not reference a service.");
            }
            else if (from.IsLibrary && to.Library is { } library && library != from.Library
                && !(LibraryLayers.TryGetValue(from.Library!, out var allowed) && allowed.Contains(library)))
            {
                violations.Add($"{from} -> {to}: libs/{from.Library} may reference {Describe(from.Library!)}.");
            }
            else if (from.Service is { } service && to.Service is { } other && other != service)
            {
                violations.Add($"{from} -> {to}: a service must not reference another service; move what both need into a library.");
            }
            else if (to.IsTest && !from.IsTest)
            {
                violations.Add($"{from} -> {to}: production code must not reference a test project.");
            }
        }

        return violations;
    }

    private static string Describe(string library) =>
        LibraryLayers.TryGetValue(library, out var allowed) && allowed.Length > 0
            ? "only " + string.Join(", ", allowed.Select(name => "libs/" + name))
            : "no other library";
}
