using PocketCode.Bff.Builds.GitHub;
using Sodium;
using Xunit;

namespace PocketCode.Bff.Tests.Builds;

public sealed class SecretSealerTests
{
    [Fact]
    public void A_sealed_secret_opens_only_with_the_repository_private_key()
    {
        var repositoryKey = PublicKeyBox.GenerateKeyPair();
        var sealedValue = SecretSealer.Seal("store-pass-ü-123", Convert.ToBase64String(repositoryKey.PublicKey));
        var opened = SealedPublicKeyBox.Open(Convert.FromBase64String(sealedValue), repositoryKey.PrivateKey, repositoryKey.PublicKey);
        Assert.Equal("store-pass-ü-123", System.Text.Encoding.UTF8.GetString(opened));

        var otherKey = PublicKeyBox.GenerateKeyPair();
        Assert.ThrowsAny<Exception>(() => SealedPublicKeyBox.Open(Convert.FromBase64String(sealedValue), otherKey.PrivateKey, otherKey.PublicKey));
    }
}
