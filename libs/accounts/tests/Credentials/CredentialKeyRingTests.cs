using System.Text.Json;
using PocketCode.Accounts.Credentials;
using PocketCode.Platform.Secrets;

namespace PocketCode.Accounts.Tests.Credentials;

public sealed class CredentialKeyRingTests
{
    [Fact]
    public void The_first_entry_is_the_current_key_and_all_ids_are_kept()
    {
        var ring = CredentialKeyRing.Parse($" {SecretsTestKeys.Entry("new", 1)} , {SecretsTestKeys.Entry("old", 2)}");

        Assert.Equal("new", ring.CurrentKeyId);
        Assert.Equal(["new", "old"], ring.KeyIds.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("")]
    [InlineData("justbase64AAAA")]
    [InlineData(":AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")]
    [InlineData("bad id:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")]
    [InlineData("k1:not-base64!")]
    [InlineData("k1:AAAAAAAAAAAAAAAAAAAAAA==")] // 16 bytes: AES-128, not allowed
    [InlineData("k1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=,k1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")]
    public void Invalid_values_are_rejected(string value)
    {
        Assert.Throws<FormatException>(() => CredentialKeyRing.Parse(value));
    }

    [Fact]
    public void Errors_and_ToString_never_show_key_material()
    {
        const string key = "c2VjcmV0LWtleS1tYXRlcmlhbC10aGF0LWlzLXRvby1sb25nLWZvci1hZXM=";
        var ex = Assert.Throws<FormatException>(() => CredentialKeyRing.Parse("k1:" + key));
        Assert.DoesNotContain(key, ex.Message, StringComparison.Ordinal);

        var entry = SecretsTestKeys.RandomEntry("k2");
        var ring = CredentialKeyRing.Parse(entry);
        Assert.DoesNotContain(entry[3..], ring.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(entry[3..], new CredentialKeysOptions { Keys = entry }.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void New_entries_parse_and_are_random()
    {
        var a = CredentialKeyRing.NewEntry("dev");
        var b = CredentialKeyRing.NewEntry("dev");

        Assert.NotEqual(a, b);
        Assert.Equal("dev", CredentialKeyRing.Parse(a).CurrentKeyId);
    }

    [Fact]
    public void Secret_strings_redact_in_text_and_json()
    {
        var secret = new SecretString("ghp_supersecret");
        var credential = new { token = secret };

        Assert.Equal("[redacted]", secret.ToString());
        Assert.Equal("[redacted]", $"{secret}");
        Assert.Equal("{\"token\":\"[redacted]\"}", JsonSerializer.Serialize(credential));
        Assert.Equal("ghp_supersecret", secret.Reveal());
    }
}
