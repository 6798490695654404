using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using PocketCode.Accounts.Credentials;
using PocketCode.Storage.Documents;
using PocketCode.Testing;
using Xunit;

namespace PocketCode.Bff.Tests.Credentials;

public sealed class CredentialsApiTests(CapturingServiceFactory factory) : IClassFixture<CapturingServiceFactory>
{
    private const string Credentials = "/v1/me/credentials";
    private const string Generate = "/v1/me/credentials/keystore:generate";
    private const string Download = "/v1/me/credentials/keystore/download";

    private IDocumentStore Store => factory.Services.GetRequiredService<IDocumentStore>();

    [Fact]
    public async Task Every_route_needs_a_token()
    {
        using var client = factory.CreateClient();
        (HttpMethod Method, string Url)[] routes =
        [
            (HttpMethod.Get, Credentials),
            (HttpMethod.Put, Credentials + "/gemini"),
            (HttpMethod.Put, Credentials + "/openai"),
            (HttpMethod.Put, Credentials + "/github"),
            (HttpMethod.Put, Credentials + "/play"),
            (HttpMethod.Put, Credentials + "/keystore"),
            (HttpMethod.Put, Credentials + "/aws"),
            (HttpMethod.Delete, Credentials + "/gemini"),
            (HttpMethod.Post, Generate),
            (HttpMethod.Get, Download + "?token=abc"),
        ];

        foreach (var (method, url) in routes)
        {
            using var request = new HttpRequestMessage(method, url);
            if (method != HttpMethod.Get && method != HttpMethod.Delete)
            {
                request.Content = JsonContent.Create(new { apiKey = "AIzaSy-anonymous-123" });
            }

            using var response = await client.SendAsync(request, Ct);
            await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized);
        }
    }

    [Fact]
    public async Task A_stored_key_is_listed_with_a_fingerprint_and_never_returned_or_stored_in_plaintext()
    {
        var uid = NewUid();
        var apiKey = "AIzaSy-gemini-" + Guid.NewGuid().ToString("N");
        using var client = await factory.CreateClientForAsync(uid, "keys@example.com");

        using var put = await client.PutAsJsonAsync(Credentials + "/gemini", new { apiKey }, Ct);
        var putBody = await put.Content.ReadAsStringAsync(Ct);
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.Equal("no-store", put.Headers.CacheControl?.ToString());
        using var listResponse = await client.GetAsync(Credentials, Ct);
        var listBody = await listResponse.Content.ReadAsStringAsync(Ct);

        var item = Assert.Single(JsonDocument.Parse(listBody).RootElement.GetProperty("items").EnumerateArray());
        Assert.Equal("gemini", item.GetProperty("kind").GetString());
        Assert.Equal("ok", item.GetProperty("status").GetString());
        Assert.Matches("^[0-9a-f]{8}$", item.GetProperty("fingerprint").GetString());
        Assert.Equal(JsonDocument.Parse(putBody).RootElement.GetProperty("fingerprint").GetString(), item.GetProperty("fingerprint").GetString());
        Assert.DoesNotContain(apiKey, putBody, StringComparison.Ordinal);
        Assert.DoesNotContain(apiKey, listBody, StringComparison.Ordinal);

        // The stored values and the raw database bytes hold no plaintext.
        var user = await Store.GetAsync("users/" + uid, Ct);
        Assert.DoesNotContain(apiKey, JsonSerializer.Serialize(user!.Data), StringComparison.Ordinal);
        Assert.False(Contains(factory.DocumentStoreFileBytes(), apiKey), "the SQLite files hold the key");

        // The vault (what the API proxy will call) decrypts it for this user.
        var secret = await factory.Services.GetRequiredService<CredentialVault>().GetSecretAsync(uid, CredentialKinds.Gemini, Ct);
        Assert.Equal(apiKey, secret![CredentialKinds.Fields.ApiKey].Reveal());
    }

    [Fact]
    public async Task Each_kind_is_stored_with_its_non_secret_details()
    {
        var keystores = await Keystores.GetAsync();
        using var client = await factory.CreateClientForAsync(NewUid(), "kinds@example.com");

        await Ok(client.PutAsJsonAsync(Credentials + "/openai", new { apiKey = "sk-openai-compatible-0001", baseUrl = "https://api.example-llm.com/v1/" }, Ct));
        await Ok(client.PutAsJsonAsync(Credentials + "/github", new { token = "github_pat_11ABCDEFG_secretpart" }, Ct));
        await Ok(client.PutAsJsonAsync(Credentials + "/play", new { serviceAccountJson = ServiceAccountJson() }, Ct));
        await Ok(client.PutAsJsonAsync(Credentials + "/keystore", new { keystore = Convert.ToBase64String(keystores.JksRsa), storePassword = Keystores.JksStorePassword, alias = "upload", keyPassword = Keystores.JksKeyPassword }, Ct));

        var items = (await client.GetFromJsonAsync<JsonElement>(Credentials, Ct)).GetProperty("items").EnumerateArray().ToDictionary(i => i.GetProperty("kind").GetString()!, i => i.GetProperty("details"));
        Assert.Equal(["github", "keystore", "openai", "play"], items.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("https://api.example-llm.com/v1", items["openai"].GetProperty("baseUrl").GetString());
        Assert.Equal("fine-grained", items["github"].GetProperty("tokenType").GetString());
        Assert.Equal("publisher@pocketcode-test.iam.gserviceaccount.com", items["play"].GetProperty("clientEmail").GetString());
        Assert.Equal("jks", items["keystore"].GetProperty("format").GetString());
        Assert.Equal("upload", items["keystore"].GetProperty("alias").GetString());
        Assert.Equal(keystores.JksRsaCertificateSha256, items["keystore"].GetProperty("certificateSha256").GetString());

        await Ok(client.PutAsJsonAsync(Credentials + "/keystore", new { keystore = Convert.ToBase64String(keystores.P12Rsa), storePassword = Keystores.P12Password, alias = "upload" }, Ct));
        var keystore = (await client.GetFromJsonAsync<JsonElement>(Credentials, Ct)).GetProperty("items").EnumerateArray().Single(i => i.GetProperty("kind").GetString() == "keystore");
        Assert.Equal("pkcs12", keystore.GetProperty("details").GetProperty("format").GetString());
    }

    public static TheoryData<string, string, string> InvalidBodies => new()
    {
        // kind, JSON body, member the problem names
        { "gemini", """{"apiKey":"short"}""", "apiKey" },
        { "gemini", """{"apiKey":"has spaces in it"}""", "apiKey" },
        { "gemini", """{"apiKey":null}""", "apiKey" },
        { "openai", """{"apiKey":"sk-valid-looking-key","baseUrl":"http://api.example.com/v1"}""", "baseUrl" },
        { "openai", """{"apiKey":"sk-valid-looking-key","baseUrl":"https://localhost:8443/v1"}""", "baseUrl" },
        { "openai", """{"apiKey":"sk-valid-looking-key","baseUrl":"https://169.254.169.254/"}""", "baseUrl" },
        { "openai", """{"apiKey":"sk-valid-looking-key","baseUrl":"https://10.1.2.3/v1"}""", "baseUrl" },
        { "openai", """{"apiKey":"sk-valid-looking-key","baseUrl":"https://[::1]/v1"}""", "baseUrl" },
        { "openai", """{"apiKey":"sk-valid-looking-key","baseUrl":"https://user:pw@api.example.com/v1"}""", "baseUrl" },
        { "play", """{"serviceAccountJson":"not json"}""", "serviceAccountJson" },
        { "play", """{"serviceAccountJson":"[1,2]"}""", "serviceAccountJson" },
        { "play", """{"serviceAccountJson":"{\"type\":\"authorized_user\",\"client_id\":\"x\"}"}""", "serviceAccountJson" },
        { "keystore", """{"keystore":"***not base64***","storePassword":"x","alias":"upload"}""", "keystore" },
        { "keystore", """{"keystore":"AAECAwQFBgcICQ==","storePassword":"x","alias":"upload"}""", "storePassword" },
        { "keystore", """{"keystore":"AAECAwQF","storePassword":"","alias":"upload"}""", "storePassword" },
        { "keystore", """{"keystore":"AAECAwQF","storePassword":"x","alias":" "}""", "alias" },
    };

    [Theory]
    [MemberData(nameof(InvalidBodies))]
    public async Task Invalid_values_get_a_validation_problem_and_store_nothing(string kind, string body, string field)
    {
        var uid = NewUid();
        using var client = await factory.CreateClientForAsync(uid, "invalid@example.com");

        using var response = await client.PutAsync($"{Credentials}/{kind}", new StringContent(body, Encoding.UTF8, "application/json"), Ct);

        await ProblemAssert.IsValidationProblemAsync(response, field);
        Assert.Null(CredentialVault.FindRecord(await Store.GetAsync("users/" + uid, Ct), kind));
    }

    [Fact]
    public async Task Invalid_service_account_keys_are_refused()
    {
        using var client = await factory.CreateClientForAsync(NewUid(), "play@example.com");
        using var rsa = RSA.Create(2048);
        string[] invalid =
        [
            ServiceAccountJson(type: "user"),
            ServiceAccountJson(email: ""),
            ServiceAccountJson(projectId: null),
            ServiceAccountJson(privateKey: "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n"),
            ServiceAccountJson(privateKey: rsa.ExportSubjectPublicKeyInfoPem()),
            ServiceAccountJson(privateKey: ECDsa.Create(ECCurve.NamedCurves.nistP256).ExportPkcs8PrivateKeyPem()),
        ];

        foreach (var json in invalid)
        {
            using var response = await client.PutAsJsonAsync(Credentials + "/play", new { serviceAccountJson = json }, Ct);
            await ProblemAssert.IsValidationProblemAsync(response, "serviceAccountJson");
        }

        Assert.Empty((await client.GetFromJsonAsync<JsonElement>(Credentials, Ct)).GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task A_keystore_that_does_not_open_with_its_passwords_and_alias_is_refused()
    {
        var keystores = await Keystores.GetAsync();
        var uid = NewUid();
        using var client = await factory.CreateClientForAsync(uid, "keystore@example.com");
        var jks = Convert.ToBase64String(keystores.JksRsa);
        var p12 = Convert.ToBase64String(keystores.P12Rsa);

        (object Body, string Field)[] cases =
        [
            (new { keystore = jks, storePassword = "wrong-password", alias = "upload", keyPassword = Keystores.JksKeyPassword }, "storePassword"),
            (new { keystore = jks, storePassword = Keystores.JksStorePassword, alias = "upload", keyPassword = "wrong-key-password" }, "keyPassword"),
            (new { keystore = jks, storePassword = Keystores.JksStorePassword, alias = "release", keyPassword = Keystores.JksKeyPassword }, "alias"),
            (new { keystore = jks, storePassword = Keystores.JksStorePassword, alias = "partner", keyPassword = Keystores.JksKeyPassword }, "alias"),
            (new { keystore = p12, storePassword = "wrong-password", alias = "upload" }, "storePassword"),
            (new { keystore = p12, storePassword = Keystores.P12Password, alias = "nope" }, "alias"),
            (new { keystore = Convert.ToBase64String(RandomNumberGenerator.GetBytes(3000)), storePassword = "x", alias = "upload" }, "storePassword"),
            (new { keystore = Convert.ToBase64String(new byte[70 * 1024]), storePassword = "x", alias = "upload" }, "keystore"),
        ];

        foreach (var (body, field) in cases)
        {
            using var response = await client.PutAsJsonAsync(Credentials + "/keystore", body, Ct);
            var problem = await ProblemAssert.IsValidationProblemAsync(response, field);
            Assert.DoesNotContain("wrong-password", problem.ToString(), StringComparison.Ordinal);
        }

        Assert.Null(CredentialVault.FindRecord(await Store.GetAsync("users/" + uid, Ct), CredentialKinds.Keystore));
    }

    [Theory]
    [InlineData("gemini", """{"apiKey":12345678901}""")]
    [InlineData("gemini", """{"apiKey":"AIzaSy-valid-key-123","extra":true}""")]
    [InlineData("gemini", """{"key":"AIzaSy-valid-key-123"}""")]
    [InlineData("gemini", """{"apiKey":"AIzaSy-valid-key-123" """)]
    [InlineData("openai", """{"apiKey":"sk-valid-looking-key","baseUrl":["https://api.example.com"]}""")]
    [InlineData("keystore", """{"keystore":"AAAA","storePassword":1,"alias":"upload"}""")]
    [InlineData("play", """{"serviceAccountJson":{"type":"service_account"}}""")]
    public async Task Malformed_json_wrong_types_and_unknown_members_get_400_and_store_nothing(string kind, string body)
    {
        var uid = NewUid();
        using var client = await factory.CreateClientForAsync(uid, "types@example.com");

        using var response = await client.PutAsync($"{Credentials}/{kind}", new StringContent(body, Encoding.UTF8, "application/json"), Ct);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Null(await Store.GetAsync("users/" + uid, Ct));
    }

    [Fact]
    public async Task Unknown_kinds_and_oversized_bodies_are_refused()
    {
        using var client = await factory.CreateClientForAsync(NewUid(), "limits@example.com");

        using var unknownPut = await client.PutAsJsonAsync(Credentials + "/aws", new { apiKey = "AKIAIOSFODNN7EXAMPLE" }, Ct);
        await ProblemAssert.IsValidationProblemAsync(unknownPut, "kind");
        using var unknownDelete = await client.DeleteAsync(Credentials + "/aws", Ct);
        await ProblemAssert.IsValidationProblemAsync(unknownDelete, "kind");
        using var otherCase = await client.DeleteAsync(Credentials + "/GitHub", Ct);
        await ProblemAssert.IsProblemAsync(otherCase, HttpStatusCode.NotFound, "not_found");

        // 413 for these is proven on Kestrel (BodyLimitTests); in memory they are still refused.
        using var large = await client.PutAsync(Credentials + "/gemini", new StringContent("{\"apiKey\":\"" + new string('k', 300 * 1024) + "\"}", Encoding.UTF8, "application/json"), Ct);
        await ProblemAssert.IsValidationProblemAsync(large, "apiKey");
        using var huge = await client.PutAsync(Credentials + "/keystore", new StringContent("{\"keystore\":\"" + new string('A', 11 * 1024 * 1024) + "\",\"storePassword\":\"x\",\"alias\":\"a\"}", Encoding.UTF8, "application/json"), Ct);
        await ProblemAssert.IsValidationProblemAsync(huge, "keystore");

        Assert.Empty((await client.GetFromJsonAsync<JsonElement>(Credentials, Ct)).GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task Another_user_sees_none_of_the_first_users_credentials()
    {
        using var alice = await factory.CreateClientForAsync(NewUid(), "alice@example.com");
        using var bob = await factory.CreateClientForAsync(NewUid(), "bob@example.com");
        await Ok(alice.PutAsJsonAsync(Credentials + "/github", new { token = "ghp_alice_only_token_123" }, Ct));
        var generated = await GenerateAsync(alice, new { alias = "upload" });
        var token = generated.GetProperty("downloadToken").GetString();

        Assert.Empty((await bob.GetFromJsonAsync<JsonElement>(Credentials, Ct)).GetProperty("items").EnumerateArray());
        using var delete = await bob.DeleteAsync(Credentials + "/github", Ct);
        await ProblemAssert.IsProblemAsync(delete, HttpStatusCode.NotFound, "not_found");
        using var download = await bob.GetAsync($"{Download}?token={token}", Ct);
        await ProblemAssert.IsProblemAsync(download, HttpStatusCode.NotFound, "not_found");

        // Bob's attempt neither burned the token nor removed anything.
        Assert.Equal(2, (await alice.GetFromJsonAsync<JsonElement>(Credentials, Ct)).GetProperty("items").GetArrayLength());
        using var aliceDownload = await alice.GetAsync($"{Download}?token={token}", Ct);
        Assert.Equal(HttpStatusCode.OK, aliceDownload.StatusCode);
    }

    [Fact]
    public async Task Delete_removes_one_kind_and_a_second_delete_is_404()
    {
        using var client = await factory.CreateClientForAsync(NewUid(), "delete@example.com");
        await Ok(client.PutAsJsonAsync(Credentials + "/github", new { token = "ghp_delete_me_123456" }, Ct));
        await Ok(client.PutAsJsonAsync(Credentials + "/gemini", new { apiKey = "AIzaSy-keep-me-123456" }, Ct));

        using var first = await client.DeleteAsync(Credentials + "/github", Ct);
        using var second = await client.DeleteAsync(Credentials + "/github", Ct);

        Assert.Equal(HttpStatusCode.NoContent, first.StatusCode);
        await ProblemAssert.IsProblemAsync(second, HttpStatusCode.NotFound, "not_found");
        var kinds = (await client.GetFromJsonAsync<JsonElement>(Credentials, Ct)).GetProperty("items").EnumerateArray().Select(i => i.GetProperty("kind").GetString());
        Assert.Equal(["gemini"], kinds);
    }

    [Fact]
    public async Task Ciphertext_swapped_into_another_users_document_does_not_decrypt_and_is_reported_clearly()
    {
        var aliceUid = NewUid();
        var bobUid = NewUid();
        using var alice = await factory.CreateClientForAsync(aliceUid, "alice@example.com");
        using var bob = await factory.CreateClientForAsync(bobUid, "bob@example.com");
        await Ok(alice.PutAsJsonAsync(Credentials + "/github", new { token = "ghp_alice_swapped_123" }, Ct));
        await Ok(bob.PutAsJsonAsync(Credentials + "/github", new { token = "ghp_bob_original_1234" }, Ct));
        await GenerateAsync(alice, new { alias = "upload" });
        var bobToken = (await GenerateAsync(bob, new { alias = "upload" })).GetProperty("downloadToken").GetString();

        // Someone with write access to the database copies Alice's encrypted records into Bob's
        // document (keeping Bob's fingerprints, so only the cryptography can notice).
        var aliceDoc = await Store.GetAsync("users/" + aliceUid, Ct);
        var bobDoc = await Store.GetAsync("users/" + bobUid, Ct);
        var fields = new Dictionary<string, object?>();
        foreach (var kind in new[] { CredentialKinds.GitHub, CredentialKinds.Keystore })
        {
            var swapped = new Dictionary<string, object?>(CredentialVault.FindRecord(bobDoc, kind)!);
            var source = CredentialVault.FindRecord(aliceDoc, kind)!;
            foreach (var field in new[] { "keyId", "nonce", "ciphertext" })
            {
                swapped[field] = source[field];
            }

            fields["credentials." + kind] = swapped;
        }

        await Store.UpdateAsync("users/" + bobUid, fields, cancellationToken: Ct);

        var statuses = (await bob.GetFromJsonAsync<JsonElement>(Credentials, Ct)).GetProperty("items").EnumerateArray()
            .ToDictionary(i => i.GetProperty("kind").GetString()!, i => i.GetProperty("status").GetString());
        Assert.Equal("unreadable", statuses["github"]);
        Assert.Equal("unreadable", statuses["keystore"]);

        using var download = await bob.GetAsync($"{Download}?token={bobToken}", Ct);
        var problem = await ProblemAssert.IsProblemAsync(download, HttpStatusCode.Conflict, CredentialProblemCodes.CredentialUnreadable);
        Assert.Contains("Store the credential again", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", problem.ToString(), StringComparison.Ordinal);

        await Assert.ThrowsAsync<CredentialDecryptionException>(() => factory.Services.GetRequiredService<CredentialVault>().GetSecretAsync(bobUid, CredentialKinds.GitHub, Ct));
        Assert.Equal("ghp_alice_swapped_123", (await factory.Services.GetRequiredService<CredentialVault>().GetSecretAsync(aliceUid, CredentialKinds.GitHub, Ct))!["token"].Reveal());
    }

    [Fact]
    public async Task The_generated_keystore_opens_with_the_returned_passwords_and_downloads_once()
    {
        var uid = NewUid();
        using var client = await factory.CreateClientForAsync(uid, "gen@example.com");

        using var created = await client.PostAsJsonAsync(Generate, new { alias = "upload", commonName = "Ada Lovelace", organization = "PocketCode", country = "DE" }, Ct);
        var generated = await created.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var token = generated.GetProperty("downloadToken").GetString()!;
        Assert.Equal($"{Download}?token={token}", created.Headers.Location?.OriginalString);
        var details = generated.GetProperty("credential").GetProperty("details");
        Assert.True(details.GetProperty("generated").GetBoolean());
        Assert.Equal(3072, details.GetProperty("keySize").GetInt32());

        using var first = await client.GetAsync($"{Download}?token={token}", Ct);
        var file = await first.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal("no-store", first.Headers.CacheControl?.ToString());
        Assert.Equal("pkcs12", file.GetProperty("format").GetString());
        Assert.Equal("upload", file.GetProperty("alias").GetString());
        var storePassword = file.GetProperty("storePassword").GetString()!;
        Assert.True(storePassword.Length >= 20);
        var pkcs12 = Convert.FromBase64String(file.GetProperty("keystore").GetString()!);

        var certificates = X509CertificateLoader.LoadPkcs12Collection(pkcs12, storePassword);
        using (var certificate = Assert.Single(certificates))
        {
            using var key = certificate.GetRSAPrivateKey()!;
            Assert.True(key.KeySize >= 2048);
            Assert.True(certificate.NotAfter.ToUniversalTime() - certificate.NotBefore.ToUniversalTime() >= TimeSpan.FromDays(25 * 365.25));
            Assert.Equal("CN=Ada Lovelace, O=PocketCode, C=DE", certificate.Subject);
            Assert.Equal(details.GetProperty("certificateSha256").GetString(), certificate.GetCertHashString(HashAlgorithmName.SHA256).ToLowerInvariant());
        }

        using var second = await client.GetAsync($"{Download}?token={token}", Ct);
        await ProblemAssert.IsProblemAsync(second, HttpStatusCode.Gone, "gone");
        using var bogus = await client.GetAsync($"{Download}?token=not-a-token", Ct);
        await ProblemAssert.IsProblemAsync(bogus, HttpStatusCode.NotFound);
        using var missing = await client.GetAsync(Download, Ct);
        await ProblemAssert.IsProblemAsync(missing, HttpStatusCode.NotFound);

        // The generated file passes the same checks as an uploaded one.
        await Ok(client.PutAsJsonAsync(Credentials + "/keystore", new { keystore = file.GetProperty("keystore").GetString(), storePassword, alias = "upload", keyPassword = file.GetProperty("keyPassword").GetString() }, Ct));
    }

    [Fact]
    public async Task The_generator_refuses_to_replace_a_keystore_unless_asked_and_old_tokens_then_expire()
    {
        using var client = await factory.CreateClientForAsync(NewUid(), "replace@example.com");
        var first = await GenerateAsync(client, new { alias = "upload" });
        var firstFingerprint = first.GetProperty("credential").GetProperty("fingerprint").GetString();

        using var refused = await client.PostAsJsonAsync(Generate, new { alias = "upload2" }, Ct);
        await ProblemAssert.IsProblemAsync(refused, HttpStatusCode.Conflict, "conflict");
        var stored = (await client.GetFromJsonAsync<JsonElement>(Credentials, Ct)).GetProperty("items")[0];
        Assert.Equal(firstFingerprint, stored.GetProperty("fingerprint").GetString());

        using var replaced = await client.PostAsJsonAsync(Generate + "?replace=true", new { alias = "upload2" }, Ct);
        Assert.Equal(HttpStatusCode.Created, replaced.StatusCode);
        using var oldToken = await client.GetAsync($"{Download}?token={first.GetProperty("downloadToken").GetString()}", Ct);
        await ProblemAssert.IsProblemAsync(oldToken, HttpStatusCode.Gone);

        (object Body, string Field)[] invalid =
        [
            (new { alias = "bad alias!" }, "alias"),
            (new { alias = "upload", country = "Germany" }, "country"),
            (new { alias = "upload", commonName = new string('c', 65) }, "commonName"),
        ];
        foreach (var (body, field) in invalid)
        {
            using var response = await client.PostAsJsonAsync(Generate + "?replace=true", body, Ct);
            await ProblemAssert.IsValidationProblemAsync(response, field);
        }
    }

    [Fact]
    public async Task No_secret_appears_in_any_response_or_log_line()
    {
        var keystores = await Keystores.GetAsync();
        using var client = await factory.CreateClientForAsync(NewUid(), "logs@example.com");
        var gemini = "AIzaSy-log-scan-" + Guid.NewGuid().ToString("N");
        var openAi = "sk-log-scan-" + Guid.NewGuid().ToString("N");
        var github = "ghp_logscan" + Guid.NewGuid().ToString("N");
        var serviceAccount = ServiceAccountJson();
        var privateKeyLine = JsonDocument.Parse(serviceAccount).RootElement.GetProperty("private_key").GetString()!.Split('\n')[1];
        var keystoreChunk = Convert.ToBase64String(keystores.JksRsa)[200..260];
        var responses = new List<string>();

        async Task Call(Task<HttpResponseMessage> call)
        {
            using var response = await call;
            responses.Add(response.Headers + "\n" + await response.Content.ReadAsStringAsync(Ct));
        }

        await Call(client.PutAsJsonAsync(Credentials + "/gemini", new { apiKey = gemini }, Ct));
        await Call(client.PutAsJsonAsync(Credentials + "/openai", new { apiKey = openAi, baseUrl = "https://api.example-llm.com/v1" }, Ct));
        await Call(client.PutAsJsonAsync(Credentials + "/openai", new { apiKey = openAi, baseUrl = "http://insecure.example.com" }, Ct));
        await Call(client.PutAsJsonAsync(Credentials + "/github", new { token = github }, Ct));
        await Call(client.PutAsync(Credentials + "/github", new StringContent($$"""{"token":"{{github}}","extra":1}""", Encoding.UTF8, "application/json"), Ct));
        await Call(client.PutAsync(Credentials + "/github", new StringContent($$"""{"token":"{{github}}" """, Encoding.UTF8, "application/json"), Ct));
        await Call(client.PutAsJsonAsync(Credentials + "/play", new { serviceAccountJson = serviceAccount }, Ct));
        await Call(client.PutAsJsonAsync(Credentials + "/play", new { serviceAccountJson = serviceAccount.Replace("service_account", "user", StringComparison.Ordinal) }, Ct));
        await Call(client.PutAsJsonAsync(Credentials + "/keystore", new { keystore = Convert.ToBase64String(keystores.JksRsa), storePassword = Keystores.JksStorePassword, alias = "upload", keyPassword = Keystores.JksKeyPassword }, Ct));
        await Call(client.PutAsJsonAsync(Credentials + "/keystore", new { keystore = Convert.ToBase64String(keystores.JksRsa), storePassword = Keystores.JksStorePassword, alias = "upload", keyPassword = "wrong-" + Keystores.JksKeyPassword }, Ct));
        await Call(client.GetAsync(Credentials, Ct));
        await Call(client.DeleteAsync(Credentials + "/gemini", Ct));

        using var generated = await client.PostAsJsonAsync(Generate + "?replace=true", new { alias = "upload" }, Ct);
        var token = (await generated.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("downloadToken").GetString();
        using var download = await client.GetAsync($"{Download}?token={token}", Ct);
        var file = await download.Content.ReadFromJsonAsync<JsonElement>(Ct);
        var generatedPassword = file.GetProperty("storePassword").GetString()!;
        var generatedChunk = file.GetProperty("keystore").GetString()![300..360];
        await Call(client.GetAsync(Credentials, Ct));

        string[] secrets = [gemini, openAi, github, privateKeyLine, keystoreChunk, Keystores.JksStorePassword, Keystores.JksKeyPassword, generatedPassword, generatedChunk];
        var logs = factory.Logs.Lines.ToList();
        Assert.NotEmpty(logs);
        foreach (var secret in secrets)
        {
            Assert.DoesNotContain(responses, r => r.Contains(secret, StringComparison.Ordinal));
            Assert.DoesNotContain(logs, line => line.Contains(secret, StringComparison.Ordinal));
        }

        Assert.False(Contains(factory.DocumentStoreFileBytes(), github), "the SQLite files hold the GitHub token");
        Assert.False(Contains(factory.DocumentStoreFileBytes(), generatedPassword), "the SQLite files hold a keystore password");
    }

    private static string NewUid() => "cred-" + Guid.NewGuid().ToString("N")[..12];

    private static bool Contains(byte[] haystack, string needle) =>
        haystack.AsSpan().IndexOf(Encoding.UTF8.GetBytes(needle)) >= 0 || haystack.AsSpan().IndexOf(Encoding.Unicode.GetBytes(needle)) >= 0;

    private static async Task Ok(Task<HttpResponseMessage> call)
    {
        using var response = await call;
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(Ct)}");
    }

    private static async Task<JsonElement> GenerateAsync(HttpClient client, object body)
    {
        using var response = await client.PostAsJsonAsync(Generate, body, Ct);
        var json = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{(int)response.StatusCode}: {json}");
        return JsonDocument.Parse(json).RootElement.Clone();
    }

    private static string ServiceAccountJson(string type = "service_account", string email = "publisher@pocketcode-test.iam.gserviceaccount.com", string? projectId = "pocketcode-test", string? privateKey = null)
    {
        using var rsa = RSA.Create(2048);
        return JsonSerializer.Serialize(new Dictionary<string, string?>
        {
            ["type"] = type,
            ["project_id"] = projectId,
            ["private_key_id"] = "0123456789abcdef",
            ["private_key"] = privateKey ?? rsa.ExportPkcs8PrivateKeyPem() + "\n",
            ["client_email"] = email,
            ["client_id"] = "1234567890",
            ["token_uri"] = "https://oauth2.googleapis.com/token",
        });
    }
}
