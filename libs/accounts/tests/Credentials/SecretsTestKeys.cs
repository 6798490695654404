using System.Security.Cryptography;
using PocketCode.Accounts.Credentials;

namespace PocketCode.Accounts.Tests.Credentials;

internal static class SecretsTestKeys
{
    public static string Entry(string keyId, byte fill) => keyId + ":" + Convert.ToBase64String(Enumerable.Repeat(fill, 32).ToArray());

    public static string RandomEntry(string keyId) => keyId + ":" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    public static CredentialCipher Cipher(params string[] entries) => new(CredentialKeyRing.Parse(string.Join(",", entries)));
}
