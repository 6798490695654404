using System.Text.Json;
using System.Text.Json.Serialization;

namespace PocketCode.Platform.Secrets;

/// <summary>
/// A secret held in memory. It prints, logs and serializes as <see cref="Redacted"/>, so passing it
/// to a logger, an exception message or a JSON response by mistake leaks nothing; the value comes out
/// only through an explicit <see cref="Reveal"/> at the point of use.
/// </summary>
[JsonConverter(typeof(RedactingConverter))]
public sealed class SecretString
{
    public const string Redacted = "[redacted]";

    private readonly string _value;

    public SecretString(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        _value = value;
    }

    public int Length => _value.Length;

    /// <summary>The plaintext; call it where the secret is used, never to log or return it.</summary>
    public string Reveal() => _value;

    public override string ToString() => Redacted;

    private sealed class RedactingConverter : JsonConverter<SecretString>
    {
        public override SecretString Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            throw new NotSupportedException("Secrets are not read from JSON through SecretString.");

        public override void Write(Utf8JsonWriter writer, SecretString value, JsonSerializerOptions options) =>
            writer.WriteStringValue(Redacted);
    }
}
