using Sodium;

namespace PocketCode.Bff.Builds.GitHub;

/// <summary>
/// GitHub's repository secrets are uploaded encrypted with the repository's public key as a
/// libsodium sealed box (crypto_box_seal), base64 encoded.
/// </summary>
internal static class SecretSealer
{
    public static string Seal(string value, string publicKeyBase64)
    {
        var publicKey = Convert.FromBase64String(publicKeyBase64);
        var sealedBox = SealedPublicKeyBox.Create(System.Text.Encoding.UTF8.GetBytes(value), publicKey);
        return Convert.ToBase64String(sealedBox);
    }
}
