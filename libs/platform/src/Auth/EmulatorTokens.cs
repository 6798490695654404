using System.Buffers;
using System.Buffers.Text;
using System.Text.Json;

namespace PocketCode.Platform;

/// <summary>
/// Mints unsigned ID tokens in the Firebase Auth emulator's format (<c>alg: none</c>, empty
/// signature), which services accept only in emulator mode and Development.
/// </summary>
public static class EmulatorTokens
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(1);

    public static string Create(
        string issuer,
        string projectId,
        string uid,
        DateTimeOffset now,
        string? email = null,
        string? name = null,
        IReadOnlyDictionary<string, JsonElement>? claims = null,
        string signInProvider = "custom")
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(issuer);
        ArgumentException.ThrowIfNullOrWhiteSpace(projectId);
        ArgumentException.ThrowIfNullOrWhiteSpace(uid);

        var issuedAt = now.ToUnixTimeSeconds();
        var payload = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(payload))
        {
            json.WriteStartObject();
            if (claims is not null)
            {
                foreach (var (key, value) in claims)
                {
                    json.WritePropertyName(key);
                    value.WriteTo(json);
                }
            }

            if (name is not null)
            {
                json.WriteString(FirebaseClaimTypes.Name, name);
            }

            if (email is not null)
            {
                json.WriteString(FirebaseClaimTypes.Email, email);
                json.WriteBoolean(FirebaseClaimTypes.EmailVerified, true);
            }

            json.WriteNumber(FirebaseClaimTypes.AuthTime, issuedAt);
            json.WriteString(FirebaseClaimTypes.UserId, uid);
            json.WriteStartObject(FirebaseClaimTypes.Firebase);
            json.WriteStartObject("identities");
            if (email is not null)
            {
                json.WriteStartArray("email");
                json.WriteStringValue(email);
                json.WriteEndArray();
            }

            json.WriteEndObject();
            json.WriteString(FirebaseClaimTypes.SignInProvider, signInProvider);
            json.WriteEndObject();
            json.WriteNumber("iat", issuedAt);
            json.WriteNumber("exp", issuedAt + (long)Lifetime.TotalSeconds);
            json.WriteString("aud", projectId);
            json.WriteString("iss", issuer);
            json.WriteString("sub", uid);
            json.WriteEndObject();
        }

        const string header = /*lang=json*/ """{"alg":"none","typ":"JWT"}""";
        return Base64Url.EncodeToString(System.Text.Encoding.UTF8.GetBytes(header)) + "."
            + Base64Url.EncodeToString(payload.WrittenSpan) + ".";
    }
}
