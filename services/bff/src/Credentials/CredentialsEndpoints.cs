using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using PocketCode.Accounts.Credentials;
using PocketCode.Platform;
using PocketCode.Storage.Documents;

namespace PocketCode.Bff.Credentials;

/// <summary><c>/v1/me/credentials</c>: the caller's own encrypted credentials.</summary>
internal static class CredentialsEndpoints
{
    /// <summary>
    /// Credential bodies are small (a keystore is at most 64 KB, ~88 KB as base64); anything much
    /// larger is refused before it is read.
    /// </summary>
    public const long MaxBodyBytes = 256 * 1024;

    /// <summary>Registers the vault (CREDENTIALS_KEYS, validated at start-up) and the credential rules.</summary>
    public static IServiceCollection AddCredentials(this IServiceCollection services)
    {
        services.AddCredentialVault();
        services.AddSingleton<KeystoreDownloads>();
        services.AddDocumentStoreRequirements(new DocumentStoreRequirements([], [new TtlPolicy(KeystoreDownloads.Collection, "expiresAt")]));
        services.AddSingleton<CredentialService>();
        return services;
    }

    public static RouteGroupBuilder MapCredentials(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/v1/me/credentials")
            .WithTags("Credentials")
            .WithMetadata(new RequestSizeLimitAttribute(MaxBodyBytes))
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .AddEndpointFilter(NoStoreFilter);

        group.MapGet("", ListAsync)
            .WithName("ListCredentials")
            .WithSummary("The kinds of credential stored, with fingerprints and non-secret details; never the secrets.");

        MapPut<GeminiCredentialRequest>(group, CredentialKinds.Gemini, "Stores a Google Gemini API key.", (s, u, r, ct) => s.PutGeminiAsync(u, r, ct));
        MapPut<OpenAiCredentialRequest>(group, CredentialKinds.OpenAi, "Stores an OpenAI-compatible provider's API key and https base URL.", (s, u, r, ct) => s.PutOpenAiAsync(u, r, ct));
        MapPut<GitHubCredentialRequest>(group, CredentialKinds.GitHub, "Stores a GitHub token.", (s, u, r, ct) => s.PutGitHubAsync(u, r, ct));
        MapPut<PlayCredentialRequest>(group, CredentialKinds.Play, "Stores a Google Play service-account key (validated as one).", (s, u, r, ct) => s.PutPlayAsync(u, r, ct));
        MapPut<KeystoreCredentialRequest>(group, CredentialKinds.Keystore, "Stores an Android upload keystore (PKCS12 or JKS) after opening it with the passwords given.", (s, u, r, ct) => s.PutKeystoreAsync(u, r, ct));

        // Any other kind (the literal routes above take precedence): a clear 400 rather than the
        // 405 the DELETE route's pattern would otherwise cause.
        group.MapPut("{kind}", (string kind) => TypedResults.Ok(CredentialService.ResolveKind(kind)))
            .ExcludeFromDescription();

        group.MapDelete("{kind}", DeleteAsync)
            .WithName("DeleteCredential")
            .WithSummary("Removes one stored credential.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapPost("keystore:generate", GenerateKeystoreAsync)
            .WithName("GenerateKeystore")
            .WithSummary("Creates and stores a new upload key (RSA 3072, 30 years) and returns a one-time download token.")
            .WithDescription("Refuses (409) to replace a stored keystore unless ?replace=true. Download the file and passwords once with the token within an hour, and keep them safe.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict);

        group.MapGet("keystore/download", DownloadKeystoreAsync)
            .WithName("DownloadGeneratedKeystore")
            .WithSummary("Returns a generated keystore's PKCS12 file (base64) and passwords, once per token.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status410Gone);

        return group;
    }

    private static async Task<Ok<CredentialListResponse>> ListAsync(ICurrentUser user, CredentialService credentials, CancellationToken ct) =>
        TypedResults.Ok(await credentials.ListAsync(user, ct));

    private static async Task<NoContent> DeleteAsync(string kind, ICurrentUser user, CredentialService credentials, CancellationToken ct)
    {
        await credentials.DeleteAsync(user, kind, ct);
        return TypedResults.NoContent();
    }

    private static async Task<Created<GeneratedKeystoreResponse>> GenerateKeystoreAsync(
        GenerateKeystoreRequest request, bool? replace, ICurrentUser user, CredentialService credentials, CancellationToken ct)
    {
        var generated = await credentials.GenerateKeystoreAsync(user, request, replace ?? false, ct);
        return TypedResults.Created(generated.DownloadUrl, generated);
    }

    private static async Task<Ok<KeystoreDownloadResponse>> DownloadKeystoreAsync(string? token, ICurrentUser user, CredentialService credentials, CancellationToken ct) =>
        TypedResults.Ok(await credentials.DownloadKeystoreAsync(user, token, ct));

    private static void MapPut<TRequest>(
        RouteGroupBuilder group,
        string kind,
        string summary,
        Func<CredentialService, ICurrentUser, TRequest, CancellationToken, Task<CredentialResponse>> store)
        where TRequest : class =>
        group.MapPut(kind, async (TRequest request, ICurrentUser user, CredentialService credentials, CancellationToken ct) =>
                TypedResults.Ok(await store(credentials, user, request, ct)))
            .WithName("Put" + char.ToUpperInvariant(kind[0]) + kind[1..] + "Credential")
            .WithSummary(summary)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge);

    /// <summary>Responses about credentials are never cached, least of all the keystore download.</summary>
    private static async ValueTask<object?> NoStoreFilter(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        context.HttpContext.Response.Headers.CacheControl = "no-store";
        return await next(context);
    }
}
