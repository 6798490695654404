using System.Text;

namespace PocketCode.Storage.Blobs;

/// <summary>Object-name rules every adapter enforces, so a name valid on one is valid on all.</summary>
public static class BlobNames
{
    public const int MaxNameBytes = 1024;

    public static void Validate(string bucket, string name)
    {
        if (!IsKnownBucket(bucket))
        {
            throw new ArgumentException($"'{bucket}' is not a known bucket.", nameof(bucket));
        }

        if (!IsValid(name))
        {
            throw new ArgumentException($"'{name}' is not a valid object name.", nameof(name));
        }
    }

    /// <summary>The logical buckets of DESIGN.md, plus <c>test-</c> buckets the contract tests use.</summary>
    public static bool IsKnownBucket(string bucket) =>
        BucketNames.All.Contains(bucket) || bucket.StartsWith("test-", StringComparison.Ordinal);

    public static bool IsValid(string? name)
    {
        if (string.IsNullOrEmpty(name) || Encoding.UTF8.GetByteCount(name) > MaxNameBytes
            || name.StartsWith('/') || name.EndsWith('/') || name.Contains('\\', StringComparison.Ordinal))
        {
            return false;
        }

        foreach (var segment in name.Split('/'))
        {
            if (segment.Length == 0 || segment == "." || segment == "..")
            {
                return false;
            }
        }

        return !name.Any(char.IsControl);
    }

    public static void ValidatePrefix(string bucket, string prefix)
    {
        Validate(bucket, "x");
        if (prefix.Length > 0 && !IsValid(prefix.TrimEnd('/')))
        {
            throw new ArgumentException($"'{prefix}' is not a valid prefix.", nameof(prefix));
        }
    }
}
