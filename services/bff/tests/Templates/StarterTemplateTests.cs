using System.Text;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using PocketCode.Bff.Projects.Templates;
using PocketCode.Bff.Tests.Archives;
using PocketCode.Bff.Tests.Projects;
using PocketCode.Testing;
using Xunit;

namespace PocketCode.Bff.Tests.Templates;

/// <summary>
/// The starter project, as the phone and the build pipeline receive it (exported through the
/// archive endpoint), is a Gradle Kotlin DSL Android project with the project's own ids. Gradle
/// is not available offline, so the checks are structural: balanced brackets outside strings and
/// comments, and the blocks and assignments Gradle reads.
/// </summary>
public sealed partial class StarterTemplateTests(ServiceFactory<Program> factory) : IClassFixture<ServiceFactory<Program>>
{
    private const string AppName = "Tom & Jerry's \"<Best>\" 100% $app \\o/";

    [Fact]
    public async Task The_exported_starter_is_a_gradle_kotlin_dsl_android_project_with_the_projects_ids()
    {
        using var client = await factory.CreateClientForAsync("template-user");
        var id = await client.CreateProjectIdAsync(AppName, "com.example.tom_jerry2");

        var files = await ArchiveTests.ExportAsync(client, id);

        string[] expected =
        [
            ".gitignore", "settings.gradle.kts", "build.gradle.kts", "gradle.properties", "gradle/libs.versions.toml",
            "gradle/wrapper/gradle-wrapper.properties", "gradle/wrapper/gradle-wrapper.jar", "gradlew", "gradlew.bat", "app/build.gradle.kts", "app/src/main/AndroidManifest.xml",
            "app/src/main/java/com/example/tom_jerry2/MainActivity.kt", "app/src/main/res/values/strings.xml",
            "app/src/main/res/layout/activity_main.xml",
        ];
        Assert.All(expected, path => Assert.True(files.ContainsKey(path), $"missing {path}; have {string.Join(", ", files.Keys)}"));
        // Gradle's wrapper jar is the only binary file (GradleWrapperTests checks it is Gradle's).
        Assert.Equal(["gradle/wrapper/gradle-wrapper.jar"], files.Keys.Where(path => path.EndsWith(".jar", StringComparison.Ordinal)));
        Assert.All(files.Where(file => !file.Key.EndsWith(".jar", StringComparison.Ordinal)), file => Assert.DoesNotContain("{{", file.Value, StringComparison.Ordinal));
        Assert.All(files.Keys, path => Assert.DoesNotContain("__PACKAGE_PATH__", path, StringComparison.Ordinal));

        foreach (var script in files.Keys.Where(p => p.EndsWith(".kts", StringComparison.Ordinal)))
        {
            AssertKotlinStructure(files[script], script);
        }

        var settings = files["settings.gradle.kts"];
        Assert.Matches(PluginManagement(), settings);
        Assert.Matches(IncludeApp(), settings);
        var rootName = RootProjectName().Match(settings);
        Assert.True(rootName.Success, settings);
        Assert.DoesNotMatch(@"[/\\:<>""?*|]", Unescape(rootName.Groups[1].Value));

        var app = files["app/build.gradle.kts"];
        Assert.Matches(AppPlugins(), app);
        var android = Block(app, "android");
        Assert.Equal("com.example.tom_jerry2", Assignment(android, "namespace"));
        Assert.Equal("35", Assignment(android, "compileSdk"));
        var defaultConfig = Block(android, "defaultConfig");
        Assert.Equal("com.example.tom_jerry2", Assignment(defaultConfig, "applicationId"));
        Assert.Equal("24", Assignment(defaultConfig, "minSdk"));
        Assert.Equal("35", Assignment(defaultConfig, "targetSdk"));
        Assert.Equal("1", Assignment(defaultConfig, "versionCode"));
        Assert.Equal("1.0", Assignment(defaultConfig, "versionName"));

        var root = files["build.gradle.kts"];
        Assert.Matches(@"alias\(libs\.plugins\.android\.application\)\s+apply\s+false", root);
        Assert.Matches(@"alias\(libs\.plugins\.kotlin\.android\)\s+apply\s+false", root);
        var catalog = files["gradle/libs.versions.toml"];
        Assert.Contains("id = \"com.android.application\"", catalog, StringComparison.Ordinal);
        Assert.Contains("id = \"org.jetbrains.kotlin.android\"", catalog, StringComparison.Ordinal);
        Assert.Matches(@"distributionUrl=https\\://services\.gradle\.org/distributions/gradle-[0-9.]+-bin\.zip", files["gradle/wrapper/gradle-wrapper.properties"]);

        var activity = files["app/src/main/java/com/example/tom_jerry2/MainActivity.kt"];
        Assert.StartsWith("package com.example.tom_jerry2\n", activity, StringComparison.Ordinal);
        AssertKotlinStructure(activity, "MainActivity.kt");

        var manifest = XDocument.Parse(files["app/src/main/AndroidManifest.xml"]);
        XNamespace androidNs = "http://schemas.android.com/apk/res/android";
        Assert.Equal(".MainActivity", manifest.Descendants("activity").Single().Attribute(androidNs + "name")?.Value);
        Assert.Equal("@string/app_name", manifest.Descendants("application").Single().Attribute(androidNs + "label")?.Value);

        var strings = XDocument.Parse(files["app/src/main/res/values/strings.xml"]);
        var appName = strings.Descendants("string").Single(s => (string?)s.Attribute("name") == "app_name");
        Assert.Equal(AppName, AndroidUnescape(appName.Value));
        XDocument.Parse(files["app/src/main/res/layout/activity_main.xml"]);
        Assert.Contains("build/", files[".gitignore"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_kotlin_keyword_in_the_application_id_is_escaped_in_the_package_line()
    {
        using var client = await factory.CreateClientForAsync("keyword-user");
        var id = await client.CreateProjectIdAsync("Fun", "com.example.fun");

        var activity = await client.GetFileTextAsync(id, "app/src/main/java/com/example/fun/MainActivity.kt");

        Assert.StartsWith("package com.example.`fun`\n", activity, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Plain", "Plain")]
    [InlineData("@Home", "\\@Home")]
    [InlineData("?Ask", "\\?Ask")]
    [InlineData("Tom's <b>&</b>", "Tom\\'s &lt;b&gt;&amp;&lt;/b&gt;")]
    [InlineData("say \"hi\" \\ bye", "say \\\"hi\\\" \\\\ bye")]
    public void App_names_are_escaped_for_android_string_resources(string name, string expected)
    {
        Assert.Equal(expected, StarterTemplates.AndroidStringResource(name));
    }

    [Theory]
    [InlineData("My App", "My App")]
    [InlineData("a/b:c", "a-b-c")]
    [InlineData("...", "app")]
    [InlineData("😀", "--")]
    public void Gradle_project_names_avoid_the_characters_gradle_refuses(string name, string expected)
    {
        Assert.Equal(expected, StarterTemplates.GradleProjectName(name));
    }

    /// <summary>Brackets balance outside string literals and comments, and every literal is closed.</summary>
    private static void AssertKotlinStructure(string source, string file)
    {
        var stack = new Stack<char>();
        var i = 0;
        while (i < source.Length)
        {
            var c = source[i];
            if (c == '/' && i + 1 < source.Length && source[i + 1] == '/')
            {
                i = source.IndexOf('\n', i) is var end and >= 0 ? end : source.Length;
                continue;
            }

            if (c == '/' && i + 1 < source.Length && source[i + 1] == '*')
            {
                var end = source.IndexOf("*/", i + 2, StringComparison.Ordinal);
                Assert.True(end >= 0, $"{file}: unclosed block comment");
                i = end + 2;
                continue;
            }

            if (c == '"')
            {
                var raw = source.AsSpan(i).StartsWith("\"\"\"");
                i += raw ? 3 : 1;
                while (true)
                {
                    Assert.True(i < source.Length, $"{file}: unclosed string literal");
                    if (!raw && source[i] == '\n')
                    {
                        Assert.Fail($"{file}: line break inside a string literal");
                    }

                    if (!raw && source[i] == '\\')
                    {
                        i += 2;
                        continue;
                    }

                    if (raw ? source.AsSpan(i).StartsWith("\"\"\"") : source[i] == '"')
                    {
                        i += raw ? 3 : 1;
                        break;
                    }

                    i++;
                }

                continue;
            }

            if (c is '{' or '(' or '[')
            {
                stack.Push(c);
            }
            else if (c is '}' or ')' or ']')
            {
                Assert.True(stack.Count > 0, $"{file}: unbalanced '{c}' at {i}");
                var open = stack.Pop();
                Assert.True((open, c) is ('{', '}') or ('(', ')') or ('[', ']'), $"{file}: '{open}' closed by '{c}' at {i}");
            }

            i++;
        }

        Assert.True(stack.Count == 0, $"{file}: {stack.Count} unclosed bracket(s)");
    }

    /// <summary>The body of the first <c>name { ... }</c> block.</summary>
    private static string Block(string source, string name)
    {
        var match = Regex.Match(source, $@"(?m)^\s*{Regex.Escape(name)}\s*\{{");
        Assert.True(match.Success, $"no '{name} {{' block");
        var depth = 0;
        for (var i = match.Index + match.Length - 1; i < source.Length; i++)
        {
            depth += source[i] switch { '{' => 1, '}' => -1, _ => 0 };
            if (depth == 0)
            {
                return source[(match.Index + match.Length)..i];
            }
        }

        throw new InvalidOperationException($"'{name}' block is not closed");
    }

    /// <summary>The value of <c>name = "value"</c> or <c>name = 42</c> directly in a block.</summary>
    private static string Assignment(string block, string name)
    {
        var match = Regex.Match(block, $@"(?m)^\s*{Regex.Escape(name)}\s*=\s*(?:""((?:[^""\\]|\\.)*)""|([0-9]+))\s*$");
        Assert.True(match.Success, $"no assignment to '{name}'");
        return match.Groups[1].Success ? Unescape(match.Groups[1].Value) : match.Groups[2].Value;
    }

    private static string Unescape(string kotlin) => Regex.Replace(kotlin, @"\\(.)", "$1");

    private static string AndroidUnescape(string value)
    {
        var builder = new StringBuilder(value.Length);
        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] == '\\' && i + 1 < value.Length)
            {
                i++;
            }

            builder.Append(value[i]);
        }

        return builder.ToString();
    }

    [GeneratedRegex(@"pluginManagement\s*\{[\s\S]*google\(\)|pluginManagement\s*\{[\s\S]*google\s*\{")]
    private static partial Regex PluginManagement();

    [GeneratedRegex(@"(?m)^include\(""\:app""\)\s*$")]
    private static partial Regex IncludeApp();

    [GeneratedRegex(@"(?m)^rootProject\.name\s*=\s*""((?:[^""\\]|\\.)*)""\s*$")]
    private static partial Regex RootProjectName();

    [GeneratedRegex(@"^plugins\s*\{\s*id\(""com\.android\.application""\)\s*id\(""org\.jetbrains\.kotlin\.android""\)\s*\}")]
    private static partial Regex AppPlugins();
}
