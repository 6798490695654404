using System.Diagnostics.CodeAnalysis;
using PocketCode.Archives;
using PocketCode.Platform;

namespace PocketCode.Bff.Projects.Files;

/// <summary>
/// A file's path inside a project: the one place paths from URLs, JSON bodies and zip entries are
/// checked before they become blob names (the rules live in <see cref="RelativePathRules"/>, shared with the marketplace). A valid path is relative and <c>/</c>-separated, with
/// no empty, <c>.</c> or <c>..</c> segments, no backslashes, control characters or unpaired
/// surrogates, no encoded slashes (<c>%2F</c>, <c>%5C</c>), no drive letter, no <c>.git</c> segment (the folder is pushed to git later, where a
/// <c>.git/</c> entry could plant hooks), at most <see cref="MaxBytes"/> UTF-8 bytes in all,
/// <see cref="MaxSegmentBytes"/> per segment and <see cref="MaxDepth"/> segments.
/// </summary>
internal sealed class ProjectPath : IEquatable<ProjectPath>
{
    public const int MaxBytes = RelativePathRules.MaxBytes;
    public const int MaxSegmentBytes = RelativePathRules.MaxSegmentBytes;
    public const int MaxDepth = RelativePathRules.MaxDepth;

    private ProjectPath(string value) => Value = value;

    public string Value { get; }

    public IEnumerable<ProjectPath> Ancestors()
    {
        for (var slash = Value.LastIndexOf('/'); slash > 0; slash = Value.LastIndexOf('/', slash - 1))
        {
            yield return new ProjectPath(Value[..slash]);
        }
    }

    public static bool TryParse(string? raw, [NotNullWhen(true)] out ProjectPath? path, [NotNullWhen(false)] out string? error)
    {
        path = null;
        error = Check(raw);
        if (error is not null)
        {
            return false;
        }

        path = new ProjectPath(raw!);
        return true;
    }

    /// <summary>Parses or throws a 400 problem naming what is wrong.</summary>
    public static ProjectPath Parse(string? raw, string what = "path") =>
        TryParse(raw, out var path, out var error)
            ? path
            : throw new ProblemException(400, ProblemCodes.ValidationFailed, $"The {what} '{Printable(raw)}' is not allowed: {error}");

    private static string? Check(string? raw) => RelativePathRules.Check(raw);

    private static string Printable(string? raw) => RelativePathRules.Printable(raw);

    public bool Equals(ProjectPath? other) => other is not null && string.Equals(Value, other.Value, StringComparison.Ordinal);

    public override bool Equals(object? obj) => Equals(obj as ProjectPath);

    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Value);

    public override string ToString() => Value;
}
