using System.Xml.Linq;

namespace PocketCode.Architecture.Tests;

/// <summary>One project of the repository, named by its path from the repository root (forward slashes).</summary>
public sealed record ProjectNode(string Path)
{
    public bool IsTest => Path.Contains("/tests/", StringComparison.Ordinal) || Path.StartsWith("tests/", StringComparison.Ordinal);

    public bool IsLibrary => Path.StartsWith("libs/", StringComparison.Ordinal);

    /// <summary>The service folder (<c>bff</c>, <c>api-proxy</c>, ...) of a project under <c>services/</c>, else null.</summary>
    public string? Service => Path.StartsWith("services/", StringComparison.Ordinal) ? Path.Split('/')[1] : null;

    /// <summary>The library folder (<c>platform</c>, <c>storage</c>, ...) of a project under <c>libs/</c>, else null.</summary>
    public string? Library => IsLibrary ? Path.Split('/')[1] : null;

    public override string ToString() => Path;
}

/// <summary>The ProjectReference edges of every <c>.csproj</c> under a root, read from the files themselves.</summary>
public sealed class ProjectGraph(IReadOnlyList<(ProjectNode From, ProjectNode To)> edges)
{
    public IReadOnlyList<(ProjectNode From, ProjectNode To)> Edges { get; } = edges;

    public static ProjectGraph Load(string root)
    {
        var edges = new List<(ProjectNode, ProjectNode)>();
        foreach (var file in Directory.EnumerateFiles(root, "*.csproj", SearchOption.AllDirectories))
        {
            var relative = Relative(root, file);
            if (relative.Split('/').Any(segment => segment is "bin" or "obj" or "node_modules" or ".git"))
            {
                continue;
            }

            var from = new ProjectNode(relative);
            foreach (var reference in XDocument.Load(file).Descendants("ProjectReference"))
            {
                var include = reference.Attribute("Include")?.Value
                    ?? throw new InvalidOperationException($"{relative} has a ProjectReference without Include.");
                var target = System.IO.Path.GetFullPath(System.IO.Path.Combine(System.IO.Path.GetDirectoryName(file)!, include.Replace('\\', '/')));
                edges.Add((from, new ProjectNode(Relative(root, target))));
            }
        }

        return new ProjectGraph(edges);
    }

    private static string Relative(string root, string path) => System.IO.Path.GetRelativePath(root, path).Replace('\\', '/');
}
