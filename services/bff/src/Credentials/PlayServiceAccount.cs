using System.Security.Cryptography;
using System.Text.Json;
using PocketCode.Platform;

namespace PocketCode.Bff.Credentials;

/// <summary>The non-secret parts of a Google service-account key file.</summary>
internal sealed record PlayServiceAccountInfo(string ClientEmail, string ProjectId, string? PrivateKeyId);

/// <summary>
/// Checks that a text is a Google service-account key file (what Play publishing needs), not some
/// other JSON: <c>type</c> is <c>service_account</c>, <c>client_email</c> and <c>project_id</c> are
/// set, and <c>private_key</c> is a PEM that parses as an RSA private key.
/// </summary>
internal static class PlayServiceAccount
{
    private const string Field = "serviceAccountJson";

    public static PlayServiceAccountInfo Validate(string? json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            throw FieldErrors.Invalid(Field, "serviceAccountJson is required: the text of the service account's JSON key file.");
        }

        if (json.Length > CredentialRules.MaxServiceAccountJsonLength)
        {
            throw FieldErrors.Invalid(Field, $"serviceAccountJson must be at most {CredentialRules.MaxServiceAccountJsonLength} characters; a key file is about 2,400.");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException)
        {
            throw FieldErrors.Invalid(Field, "serviceAccountJson is not valid JSON.");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw FieldErrors.Invalid(Field, "serviceAccountJson must be a JSON object.");
            }

            if (String(root, "type") != "service_account")
            {
                throw FieldErrors.Invalid(Field, "serviceAccountJson is not a service-account key: \"type\" must be \"service_account\".");
            }

            var email = String(root, "client_email");
            if (email is null || email.Length > 320 || email.IndexOf('@', StringComparison.Ordinal) <= 0)
            {
                throw FieldErrors.Invalid(Field, "serviceAccountJson needs \"client_email\", the service account's e-mail address.");
            }

            var projectId = String(root, "project_id");
            if (string.IsNullOrWhiteSpace(projectId) || projectId.Length > 128)
            {
                throw FieldErrors.Invalid(Field, "serviceAccountJson needs \"project_id\".");
            }

            var pem = String(root, "private_key");
            if (pem is null || !IsRsaPrivateKey(pem))
            {
                throw FieldErrors.Invalid(Field, "serviceAccountJson needs \"private_key\", a PEM RSA private key (-----BEGIN PRIVATE KEY-----).");
            }

            var keyId = String(root, "private_key_id");
            return new PlayServiceAccountInfo(email, projectId, keyId is { Length: <= 128 } ? keyId : null);
        }
    }

    private static string? String(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static bool IsRsaPrivateKey(string pem)
    {
        try
        {
            using var rsa = RSA.Create();
            rsa.ImportFromPem(pem);
            // A public key PEM imports too; only a private key can export private parameters.
            _ = rsa.ExportParameters(includePrivateParameters: true);
            return rsa.KeySize >= 2048;
        }
        catch (Exception ex) when (ex is ArgumentException or CryptographicException)
        {
            return false;
        }
    }
}
