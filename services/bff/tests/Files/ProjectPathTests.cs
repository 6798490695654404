using PocketCode.Bff.Projects.Files;
using Xunit;

namespace PocketCode.Bff.Tests.Files;

public sealed class ProjectPathTests
{
    [Theory]
    [InlineData("README.md")]
    [InlineData("app/src/main/java/com/example/MainActivity.kt")]
    [InlineData(".gitignore")]
    [InlineData("gradle/wrapper/gradle-wrapper.properties")]
    [InlineData("res/values-b+sr+Latn/strings.xml")]
    [InlineData("notes/ünïcödé 😀.txt")]
    [InlineData("a..b/c")]
    [InlineData("100%.txt")]
    [InlineData("...")]
    public void Plain_relative_paths_are_accepted(string raw)
    {
        Assert.True(ProjectPath.TryParse(raw, out var path, out var error), error);
        Assert.Equal(raw, path.Value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("/etc/passwd")]
    [InlineData("../secret")]
    [InlineData("a/../../b")]
    [InlineData("a/./b")]
    [InlineData(".")]
    [InlineData("..")]
    [InlineData("a//b")]
    [InlineData("a/")]
    [InlineData("a\\b")]
    [InlineData("..\\..\\windows")]
    [InlineData("C:/Windows/system.ini")]
    [InlineData("c:")]
    [InlineData("a\u0000b")]
    [InlineData("a\nb")]
    [InlineData("a\u007fb")]
    [InlineData(".git/hooks/pre-commit")]
    [InlineData("sub/.GIT/config")]
    [InlineData("..%2F..%2Fevil.txt")]
    [InlineData("a%5cb")]
    public void Hostile_paths_are_refused(string raw)
    {
        Assert.False(ProjectPath.TryParse(raw, out _, out var error));
        Assert.False(string.IsNullOrEmpty(error));
    }

    [Fact]
    public void Unpaired_surrogates_are_refused()
    {
        Assert.False(ProjectPath.TryParse("bad" + '\ud800' + "surrogate", out _, out _));
        Assert.False(ProjectPath.TryParse("end" + '\udc00', out _, out _));
        Assert.True(ProjectPath.TryParse("pair" + "\ud83d\ude00", out _, out _));
    }

    [Fact]
    public void Lengths_are_bounded_in_utf8_bytes()
    {
        Assert.True(ProjectPath.TryParse(new string('a', 255), out _, out _));
        Assert.False(ProjectPath.TryParse(new string('a', 256), out _, out _));
        // 128 two-byte characters = 256 bytes in one segment.
        Assert.False(ProjectPath.TryParse(new string('é', 128), out _, out _));
        var longPath = string.Join('/', Enumerable.Repeat(new string('a', 100), 5)) + "/" + new string('b', 7);
        Assert.Equal(512, longPath.Length);
        Assert.True(ProjectPath.TryParse(longPath, out _, out _));
        Assert.False(ProjectPath.TryParse(longPath + "b", out _, out _));
        Assert.False(ProjectPath.TryParse(string.Join('/', Enumerable.Repeat("d", 33)), out _, out _));
    }

    [Fact]
    public void Ancestors_are_listed_nearest_first()
    {
        var path = ProjectPath.Parse("a/b/c.txt");

        Assert.Equal(["a/b", "a"], path.Ancestors().Select(a => a.Value));
    }
}
