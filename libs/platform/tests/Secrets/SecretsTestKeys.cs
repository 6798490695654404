using System.Security.Cryptography;
using PocketCode.Platform.Secrets;

namespace PocketCode.Platform.Tests.Secrets;

internal static class SecretsTestKeys
{
    public static string Entry(string keyId, byte fill) => keyId + ":" + Convert.ToBase64String(Enumerable.Repeat(fill, 32).ToArray());

    public static string RandomEntry(string keyId) => keyId + ":" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    public static CredentialCipher Cipher(params string[] entries) => new(CredentialKeyRing.Parse(string.Join(",", entries)));
}
