using System.Text;
using System.Text.Json;
using CsCheck;

namespace PocketCode.Testing;

/// <summary>CsCheck generators of hostile input shared by the services' property tests.</summary>
public static class HostileInput
{
    /// <summary>Property names the services' bodies use, so random objects reach deeper validation.</summary>
    private static readonly string[] Keys =
    [
        "name", "applicationId", "template", "title", "description", "readme", "tags", "kind", "license", "version",
        "changelog", "sha256", "size", "rating", "comment", "reason", "token", "platform", "appVersion", "apiKey",
        "baseUrl", "from", "to", "overwrite", "displayName", "bio", "photoUrl", "settings", "theme", "editorFontSize",
        "contents", "messages", "model", "prompt", "assetId", "variant", "keystore", "storePassword", "alias",
        "serviceAccountJson", "minSettings", "__proto__", "", "\u0000", "a.b",
    ];

    /// <summary>Awkward strings: control characters, traversal, huge, odd Unicode, injection-shaped.</summary>
    public static Gen<string> NastyString { get; } = Gen.OneOf<string>(
        Gen.String[0, 40],
        Gen.OneOf(
            "", " ", "../../etc/passwd", "..\\..\\win.ini", "%2e%2e%2f", "/absolute", "a//b", ".git/config", "C:\\x",
            "\u0000", "\u202e", "\ud800", "💥", "<script>alert(1)</script>", "' OR 1=1 --", "${jndi:ldap://x}",
            "com.example.app", "1.0.0", "-1", "NaN", "null", new string('a', 5000)),
        Gen.Char.Array[0, 30].Select(chars => new string(chars)));

    private static Gen<string> Leaf { get; } = Gen.OneOf<string>(
        Gen.Const("null"),
        Gen.Bool.Select(b => b ? "true" : "false"),
        Gen.Long.Select(n => n.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        Gen.Double.Select(d => double.IsFinite(d) ? d.ToString("R", System.Globalization.CultureInfo.InvariantCulture) : "1e999"),
        NastyString.Select(s => JsonSerializer.Serialize(s)));

    private static Gen<string> Value(int depth) => depth == 0
        ? Leaf
        : Gen.OneOf<string>(
            Leaf,
            Value(depth - 1).Array[0, 4].Select(items => "[" + string.Join(',', items) + "]"),
            Gen.Select(Gen.OneOf<string>(Gen.OneOf(Keys), Gen.String[0, 12]), Value(depth - 1))
                .Array[0, 6]
                .Select(pairs => "{" + string.Join(',', pairs.Select(p => JsonSerializer.Serialize(p.Item1) + ":" + p.Item2)) + "}"));

    /// <summary>A request body: valid JSON of any shape, JSON cut short, or bytes that are not JSON at all.</summary>
    public static Gen<string> JsonBody { get; } = Gen.Frequency<string>(
        (6, Value(3)),
        (2, Gen.Select(Value(3), Gen.Int[0, 100]).Select((json, cut) => json[..(json.Length * cut / 100)])),
        (1, Gen.Byte.Array[0, 64].Select(bytes => Encoding.Latin1.GetString(bytes))));
}
