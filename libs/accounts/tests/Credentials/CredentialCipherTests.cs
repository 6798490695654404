using System.Text;
using PocketCode.Accounts.Credentials;

namespace PocketCode.Accounts.Tests.Credentials;

public sealed class CredentialCipherTests
{
    private static readonly byte[] Secret = Encoding.UTF8.GetBytes("{\"apiKey\":\"AIzaSy-the-real-secret-123\"}");

    [Fact]
    public void Encrypting_and_decrypting_for_the_same_uid_and_kind_round_trips()
    {
        var cipher = SecretsTestKeys.Cipher(SecretsTestKeys.RandomEntry("k1"));

        var encrypted = cipher.Encrypt("alice", "gemini", Secret);

        Assert.Equal("k1", encrypted.KeyId);
        Assert.Equal(CredentialCipher.NonceSize, encrypted.Nonce.Length);
        Assert.Equal(Secret.Length + CredentialCipher.TagSize, encrypted.Ciphertext.Length);
        Assert.Equal(Secret, cipher.Decrypt("alice", "gemini", encrypted));
    }

    [Fact]
    public void The_ciphertext_does_not_contain_the_plaintext_and_every_write_gets_a_fresh_nonce()
    {
        var cipher = SecretsTestKeys.Cipher(SecretsTestKeys.RandomEntry("k1"));

        var first = cipher.Encrypt("alice", "gemini", Secret);
        var second = cipher.Encrypt("alice", "gemini", Secret);

        Assert.NotEqual(first.Nonce, second.Nonce);
        Assert.NotEqual(first.Ciphertext, second.Ciphertext);
        Assert.DoesNotContain("the-real-secret", Encoding.UTF8.GetString(first.Ciphertext), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("bob", "gemini")]
    [InlineData("alice", "github")]
    [InlineData("alice2", "gemini")]
    public void Decrypting_with_another_uid_or_kind_as_associated_data_fails_as_tampered(string uid, string kind)
    {
        var cipher = SecretsTestKeys.Cipher(SecretsTestKeys.RandomEntry("k1"));
        var encrypted = cipher.Encrypt("alice", "gemini", Secret);

        var ex = Assert.Throws<CredentialDecryptionException>(() => cipher.Decrypt(uid, kind, encrypted));

        Assert.Equal(CredentialDecryptionFailure.Tampered, ex.Failure);
        Assert.DoesNotContain("the-real-secret", ex.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Associated_data_cannot_be_shifted_between_uid_and_kind()
    {
        // Without length prefixes "ab"+"c" and "a"+"bc" would authenticate the same.
        Assert.NotEqual(CredentialCipher.AssociatedData("ab", "c", "k"), CredentialCipher.AssociatedData("a", "bc", "k"));
    }

    [Fact]
    public void Associated_data_keeps_its_stored_layout_so_existing_records_still_decrypt()
    {
        // label ‖ len ‖ uid ‖ len ‖ kind ‖ len ‖ keyId, 32-bit big-endian lengths, UTF-8 (a non-ASCII uid
        // checks that lengths count bytes, not characters). Pinned: records at rest depend on it.
        byte[] expected =
        [
            .. "pocketcode.credential.v1"u8,
            0, 0, 0, 3, .. "\u00e9u"u8,
            0, 0, 0, 6, .. "gemini"u8,
            0, 0, 0, 2, .. "k1"u8,
        ];

        Assert.Equal(expected, CredentialCipher.AssociatedData("\u00e9u", "gemini", "k1"));
    }

    [Fact]
    public void A_flipped_bit_in_the_ciphertext_or_nonce_fails_authentication()
    {
        var cipher = SecretsTestKeys.Cipher(SecretsTestKeys.RandomEntry("k1"));
        var encrypted = cipher.Encrypt("alice", "gemini", Secret);

        var body = (byte[])encrypted.Ciphertext.Clone();
        body[3] ^= 0x01;
        var nonce = (byte[])encrypted.Nonce.Clone();
        nonce[0] ^= 0x80;

        Assert.Equal(CredentialDecryptionFailure.Tampered, Assert.Throws<CredentialDecryptionException>(() => cipher.Decrypt("alice", "gemini", encrypted with { Ciphertext = body })).Failure);
        Assert.Equal(CredentialDecryptionFailure.Tampered, Assert.Throws<CredentialDecryptionException>(() => cipher.Decrypt("alice", "gemini", encrypted with { Nonce = nonce })).Failure);
        Assert.Equal(CredentialDecryptionFailure.Malformed, Assert.Throws<CredentialDecryptionException>(() => cipher.Decrypt("alice", "gemini", encrypted with { Nonce = [1, 2, 3] })).Failure);
    }

    [Fact]
    public void After_rotation_new_writes_use_the_first_key_and_old_records_still_decrypt()
    {
        var old = SecretsTestKeys.RandomEntry("2024");
        var before = SecretsTestKeys.Cipher(old).Encrypt("alice", "github", Secret);

        var rotated = SecretsTestKeys.Cipher(SecretsTestKeys.RandomEntry("2025"), old);
        var after = rotated.Encrypt("alice", "github", Secret);

        Assert.Equal("2025", after.KeyId);
        Assert.Equal(Secret, rotated.Decrypt("alice", "github", before));
        Assert.Equal(Secret, rotated.Decrypt("alice", "github", after));
    }

    [Fact]
    public void A_record_under_a_key_id_no_longer_configured_fails_as_unknown_key()
    {
        var encrypted = SecretsTestKeys.Cipher(SecretsTestKeys.RandomEntry("retired")).Encrypt("alice", "gemini", Secret);
        var current = SecretsTestKeys.Cipher(SecretsTestKeys.RandomEntry("current"));

        var ex = Assert.Throws<CredentialDecryptionException>(() => current.Decrypt("alice", "gemini", encrypted));

        Assert.Equal(CredentialDecryptionFailure.UnknownKey, ex.Failure);
    }

    [Fact]
    public void A_relabelled_key_id_fails_even_when_that_key_exists()
    {
        var cipher = SecretsTestKeys.Cipher(SecretsTestKeys.RandomEntry("a"), SecretsTestKeys.RandomEntry("b"));
        var encrypted = cipher.Encrypt("alice", "gemini", Secret);

        Assert.Throws<CredentialDecryptionException>(() => cipher.Decrypt("alice", "gemini", encrypted with { KeyId = "b" }));
    }

    [Fact]
    public void Fingerprints_are_short_stable_per_user_and_differ_between_users()
    {
        var cipher = SecretsTestKeys.Cipher(SecretsTestKeys.RandomEntry("k1"));

        var alice = cipher.Fingerprint("alice", Secret);

        Assert.Matches("^[0-9a-f]{8}$", alice);
        Assert.Equal(alice, cipher.Fingerprint("alice", Secret));
        Assert.NotEqual(alice, cipher.Fingerprint("bob", Secret));
        Assert.NotEqual(alice, cipher.Fingerprint("alice", Encoding.UTF8.GetBytes("another secret")));
    }
}
