namespace PocketCode.AppHost;

internal static class RepoRoot
{
    /// <summary>The repository root: the nearest folder above the AppHost that holds PocketCode.slnx.</summary>
    public static string Find(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "PocketCode.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"PocketCode.slnx was not found in '{start}' or any folder above it; run the AppHost from the repository.");
    }
}
