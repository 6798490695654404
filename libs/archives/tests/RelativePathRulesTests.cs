namespace PocketCode.Archives.Tests;

public sealed class RelativePathRulesTests
{
    private const string Empty = "it is empty.";
    private const string LeadingSlash = "paths are relative to the project; it starts with '/'.";
    private const string Backslash = "use '/' between folders; backslashes are not allowed.";
    private const string Control = "it contains control characters.";
    private const string NotUnicode = "it is not valid Unicode.";
    private const string DriveLetter = "drive letters are not allowed; paths are relative to the project.";
    private const string EmptySegment = "it has an empty segment ('//' or a trailing '/').";
    private const string DotSegment = "'.' and '..' segments are not allowed.";
    private const string EncodedSlash = "encoded slashes (%2F, %5C) are not allowed; separate folders with '/'.";
    private const string Git = "'.git' is reserved for version control.";

    [Theory]
    [InlineData("a")]
    [InlineData("README.md")]
    [InlineData("src/main/kotlin/App.kt")]
    [InlineData(".gitignore")]
    [InlineData(".github/workflows/ci.yml")]
    [InlineData("a/.gitkeep")]
    [InlineData("..a/b..")]
    [InlineData("...")]
    [InlineData("a b/c d.txt")]
    [InlineData("é/ü.txt")]
    [InlineData("%41%20")]
    [InlineData("CC:/x")]
    [InlineData("1:/x")]
    [InlineData("a:b")]
    public void Accepts_plain_relative_paths(string path)
    {
        Assert.Null(RelativePathRules.Check(path));
    }

    [Fact]
    public void Accepts_a_surrogate_pair()
    {
        Assert.Null(RelativePathRules.Check("icons/\ud83d\udca5.png"));
    }

    [Theory]
    [InlineData(null, Empty)]
    [InlineData("", Empty)]
    [InlineData("/", LeadingSlash)]
    [InlineData("/etc/passwd", LeadingSlash)]
    [InlineData("//server/share", LeadingSlash)]
    [InlineData("a\\b", Backslash)]
    [InlineData("..\\..\\evil.txt", Backslash)]
    [InlineData("C:", DriveLetter)]
    [InlineData("C:/Windows/evil.txt", DriveLetter)]
    [InlineData("z:evil", null)]
    [InlineData("a//b", EmptySegment)]
    [InlineData("a/", EmptySegment)]
    [InlineData(".", DotSegment)]
    [InlineData("..", DotSegment)]
    [InlineData("../evil.txt", DotSegment)]
    [InlineData("app/../../evil.txt", DotSegment)]
    [InlineData("a/./b", DotSegment)]
    [InlineData("a/..", DotSegment)]
    [InlineData("%2F", EncodedSlash)]
    [InlineData("..%2f..%2fevil", EncodedSlash)]
    [InlineData("a/%5C/b", EncodedSlash)]
    [InlineData("x%5cy", EncodedSlash)]
    [InlineData(".git", Git)]
    [InlineData(".git/hooks/post-checkout", Git)]
    [InlineData("sub/.GIT/config", Git)]
    public void Rejects_paths_that_could_escape_or_be_read_two_ways(string? path, string? reason)
    {
        Assert.Equal(reason, RelativePathRules.Check(path));
    }

    [Fact]
    public void Rejects_control_characters_and_broken_unicode()
    {
        Assert.Multiple(
            () => Assert.Equal(Control, RelativePathRules.Check("a\u0000b")),
            () => Assert.Equal(Control, RelativePathRules.Check("bad\u0001name.txt")),
            () => Assert.Equal(Control, RelativePathRules.Check("line\nbreak")),
            () => Assert.Equal(Control, RelativePathRules.Check("del\u007f")),
            () => Assert.Equal(Control, RelativePathRules.Check("c1\u0085")),
            () => Assert.Equal(Control, RelativePathRules.Check("ls\u2028")),
            () => Assert.Equal(Control, RelativePathRules.Check("ps\u2029")),
            () => Assert.Equal(NotUnicode, RelativePathRules.Check("lone\ud800high")),
            () => Assert.Equal(NotUnicode, RelativePathRules.Check("lone\udc00low")),
            () => Assert.Equal(NotUnicode, RelativePathRules.Check("ends\ud83d")),
            () => Assert.Equal(NotUnicode, RelativePathRules.Check("\udca5\ud83d")));
    }

    [Fact]
    public void Segment_length_is_counted_in_utf8_bytes()
    {
        Assert.Null(RelativePathRules.Check(new string('a', RelativePathRules.MaxSegmentBytes)));
        Assert.Equal("a segment is longer than 255 bytes.", RelativePathRules.Check("dir/" + new string('a', RelativePathRules.MaxSegmentBytes + 1)));

        // 'é' is two bytes: 127 of them and one 'a' fill a segment exactly, 128 overflow it.
        Assert.Null(RelativePathRules.Check(new string('é', 127) + "a"));
        Assert.Equal("a segment is longer than 255 bytes.", RelativePathRules.Check(new string('é', 128)));
    }

    [Fact]
    public void Whole_path_length_is_counted_in_utf8_bytes()
    {
        // Five 100-byte segments, four slashes and "/1234567": exactly 512 bytes.
        var atLimit = string.Join('/', Enumerable.Repeat(new string('a', 100), 5)) + "/1234567";
        Assert.Equal(RelativePathRules.MaxBytes, atLimit.Length);
        Assert.Null(RelativePathRules.Check(atLimit));
        Assert.Equal("it is longer than 512 bytes.", RelativePathRules.Check(atLimit + "8"));
        Assert.Equal("it is longer than 512 bytes.", RelativePathRules.Check(atLimit[..^1] + "é"));
    }

    [Fact]
    public void Depth_is_limited()
    {
        var deepest = string.Join('/', Enumerable.Repeat("d", RelativePathRules.MaxDepth));
        Assert.Null(RelativePathRules.Check(deepest));
        Assert.Equal("it is nested deeper than 32 levels.", RelativePathRules.Check(deepest + "/d"));
    }

    [Fact]
    public void The_first_broken_rule_is_the_one_reported()
    {
        // A leading slash is named before the backslash, and a backslash before the '..' it hides.
        Assert.Equal(LeadingSlash, RelativePathRules.Check("/..\\x"));
        Assert.Equal(Backslash, RelativePathRules.Check("..\\x"));
        Assert.Equal(DriveLetter, RelativePathRules.Check("C:/../x"));
    }

    [Fact]
    public void Ancestors_are_listed_innermost_first()
    {
        Assert.Equal(["a/b", "a"], RelativePathRules.AncestorsOf("a/b/c.txt"));
        Assert.Equal(["a"], RelativePathRules.AncestorsOf("a/b"));
        Assert.Empty(RelativePathRules.AncestorsOf("a"));
        Assert.Throws<ArgumentNullException>(() => RelativePathRules.AncestorsOf(null!).ToList());
    }

    [Fact]
    public void Printable_replaces_control_characters_and_surrogates_and_shortens()
    {
        Assert.Equal(string.Empty, RelativePathRules.Printable(null));
        Assert.Equal("ok/name.txt", RelativePathRules.Printable("ok/name.txt"));
        Assert.Equal("bad?name?.txt", RelativePathRules.Printable("bad\u0001name\n.txt"));
        Assert.Equal("??.png", RelativePathRules.Printable("\ud83d\udca5.png"));

        var exactly120 = new string('x', 120);
        Assert.Equal(exactly120, RelativePathRules.Printable(exactly120));
        Assert.Equal(exactly120 + "...", RelativePathRules.Printable(exactly120 + "yz"));
    }
}
