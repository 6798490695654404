using System.Buffers;
using System.Text.Json;
using PocketCode.Platform.Secrets;

namespace PocketCode.Accounts.Credentials;

/// <summary>
/// A decrypted credential: its kind and named fields (see <see cref="CredentialKinds"/>), each a
/// <see cref="SecretString"/>. Printing it shows the kind and field names only.
/// </summary>
public sealed class CredentialSecret
{
    internal CredentialSecret(string kind, IReadOnlyDictionary<string, SecretString> fields)
    {
        Kind = kind;
        Fields = fields;
    }

    public string Kind { get; }

    public IReadOnlyDictionary<string, SecretString> Fields { get; }

    /// <summary>A field's secret; throws <see cref="KeyNotFoundException"/> naming the field when absent.</summary>
    public SecretString this[string field] =>
        Fields.TryGetValue(field, out var value) ? value : throw new KeyNotFoundException($"The '{Kind}' credential has no field '{field}'.");

    public override string ToString() => $"CredentialSecret({Kind}: {string.Join(", ", Fields.Keys.Order(StringComparer.Ordinal))})";

    /// <summary>The plaintext form that is encrypted: a flat JSON object of strings, as UTF-8.</summary>
    internal static byte[] Serialize(IReadOnlyDictionary<string, string> fields)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var (name, value) in fields.OrderBy(f => f.Key, StringComparer.Ordinal))
            {
                writer.WriteString(name, value);
            }

            writer.WriteEndObject();
        }

        var bytes = buffer.WrittenSpan.ToArray();
        buffer.Clear(); // zeroes the written bytes, so the plaintext is not left in the pool-free buffer
        return bytes;
    }

    internal static CredentialSecret Deserialize(string kind, ReadOnlySpan<byte> plaintext)
    {
        try
        {
            var fields = new Dictionary<string, SecretString>(StringComparer.Ordinal);
            var reader = new Utf8JsonReader(plaintext);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                throw new CredentialDecryptionException(kind, CredentialDecryptionFailure.Malformed);
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString()!;
                if (!reader.Read() || reader.TokenType != JsonTokenType.String)
                {
                    throw new CredentialDecryptionException(kind, CredentialDecryptionFailure.Malformed);
                }

                fields[name] = new SecretString(reader.GetString()!);
            }

            return new CredentialSecret(kind, fields);
        }
        catch (JsonException)
        {
            // Not chained: a reader exception could carry fragments of the plaintext.
            throw new CredentialDecryptionException(kind, CredentialDecryptionFailure.Malformed);
        }
    }
}
