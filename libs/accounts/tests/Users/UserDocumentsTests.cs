using Microsoft.Data.Sqlite;
using PocketCode.Accounts.Credentials;
using PocketCode.Accounts.Tests.Credentials;
using PocketCode.Accounts.Users;
using PocketCode.Storage.Sqlite;

namespace PocketCode.Accounts.Tests.Users;

/// <summary>The one uid rule and the <c>users/{uid}</c> gateway, over the real embedded store.</summary>
public sealed class UserDocumentsTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("pocketcode-users-").FullName;
    private readonly SqliteDocumentStore _store;

    public UserDocumentsTests()
    {
        _store = new SqliteDocumentStore(new SqliteDocumentStoreOptions { DatabasePath = Path.Combine(_directory, "documents.db") });
    }

    [Theory]
    [InlineData("alice", true)]
    [InlineData("x", true)]
    [InlineData("__leading", true)]
    [InlineData("trailing__", true)]
    [InlineData("", false)]
    [InlineData("a/b", false)]
    [InlineData(".", false)]
    [InlineData("..", false)]
    [InlineData("__reserved__", false)]
    [InlineData("tab\tinside", false)]
    [InlineData("new\nline", false)]
    public void A_uid_is_usable_only_when_it_cannot_change_a_path(string uid, bool usable)
    {
        Assert.Equal(usable, UserDocuments.IsUsableUid(uid));
        if (usable)
        {
            Assert.Equal("users/" + uid, UserDocuments.PathOf(uid));
        }
        else
        {
            Assert.Throws<ArgumentException>(() => UserDocuments.PathOf(uid));
        }
    }

    [Fact]
    public void A_uid_longer_than_firebase_allows_is_not_usable()
    {
        Assert.True(UserDocuments.IsUsableUid(new string('a', UserDocuments.MaxUidLength)));
        Assert.False(UserDocuments.IsUsableUid(new string('a', UserDocuments.MaxUidLength + 1)));
        Assert.False(UserDocuments.IsUsableUid(null));
    }

    [Fact]
    public void Device_paths_live_under_the_user()
    {
        Assert.Equal("users/alice/devices", UserDocuments.DevicesPath("alice"));
        Assert.Equal("users/alice/devices/phone-1", UserDocuments.DevicePath("alice", "phone-1"));
        Assert.Throws<ArgumentException>(() => UserDocuments.DevicesPath("a/b"));
    }

    [Fact]
    public async Task The_public_profile_shows_name_bio_and_photo_and_nothing_else()
    {
        await _store.CreateAsync(UserDocuments.PathOf("alice"), new Dictionary<string, object?>
        {
            [UserDocuments.DisplayName] = "Alice",
            [UserDocuments.Bio] = "Builds apps",
            [UserDocuments.PhotoUrl] = "https://example.com/a.png",
            [UserDocuments.Email] = "alice@example.com",
        }, Ct);
        var profiles = new UserProfiles(_store);

        var profile = await profiles.FindPublicAsync("alice", Ct);

        Assert.Equal(new PublicProfile("alice", "Alice", "Builds apps", "https://example.com/a.png"), profile);
        Assert.Null(await profiles.FindPublicAsync("bob", Ct));
        Assert.Null(await profiles.FindPublicAsync("a/b", Ct));
    }

    [Fact]
    public async Task A_user_with_only_credentials_has_an_empty_public_profile()
    {
        var vault = new CredentialVault(_store, SecretsTestKeys.Cipher(SecretsTestKeys.RandomEntry("k1")), TimeProvider.System);
        await vault.StoreAsync("carol", CredentialKinds.Gemini, new Dictionary<string, string> { ["apiKey"] = "AIza-profile-test" }, cancellationToken: Ct);

        var profile = await new UserProfiles(_store).FindPublicAsync("carol", Ct);

        Assert.Equal(new PublicProfile("carol", string.Empty, string.Empty, null), profile);
    }

    [Fact]
    public async Task Notifications_are_wanted_unless_the_user_turned_the_kind_off()
    {
        await _store.CreateAsync(UserDocuments.PathOf("alice"), new Dictionary<string, object?>
        {
            [UserDocuments.Settings] = new Dictionary<string, object?>
            {
                [UserDocuments.Notifications] = new Dictionary<string, object?> { [UserDocuments.Publish] = false, [UserDocuments.BuildFailed] = true },
            },
        }, Ct);
        var profiles = new UserProfiles(_store);

        Assert.False(await profiles.WantsNotificationAsync("alice", UserDocuments.Publish, Ct));
        Assert.True(await profiles.WantsNotificationAsync("alice", UserDocuments.BuildFailed, Ct));
        Assert.True(await profiles.WantsNotificationAsync("alice", UserDocuments.BuildSucceeded, Ct));
        Assert.True(await profiles.WantsNotificationAsync("nobody", UserDocuments.Publish, Ct));
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
