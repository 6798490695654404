namespace PocketCode.Accounts.Credentials;

/// <summary>
/// The credentials a user can store, and the names of the fields inside each one's encrypted
/// payload. The BFF writes them; the API proxy and the build pipeline read them.
/// </summary>
public static class CredentialKinds
{
    /// <summary>Google Gemini API key. Fields: <see cref="Fields.ApiKey"/>.</summary>
    public const string Gemini = "gemini";

    /// <summary>An OpenAI-compatible provider. Fields: <see cref="Fields.ApiKey"/>, <see cref="Fields.BaseUrl"/> (https).</summary>
    public const string OpenAi = "openai";

    /// <summary>GitHub token. Fields: <see cref="Fields.Token"/>.</summary>
    public const string GitHub = "github";

    /// <summary>Google Play service-account key file. Fields: <see cref="Fields.ServiceAccountJson"/>.</summary>
    public const string Play = "play";

    /// <summary>
    /// Android upload keystore. Fields: <see cref="Fields.Keystore"/> (the file, base64),
    /// <see cref="Fields.Format"/> (<c>pkcs12</c> or <c>jks</c>), <see cref="Fields.StorePassword"/>,
    /// <see cref="Fields.Alias"/>, <see cref="Fields.KeyPassword"/>.
    /// </summary>
    public const string Keystore = "keystore";

    public static IReadOnlyList<string> All { get; } = [Gemini, OpenAi, GitHub, Play, Keystore];

    public static bool IsKnown(string? kind) => kind is not null && All.Contains(kind, StringComparer.Ordinal);

    public static class Fields
    {
        public const string ApiKey = "apiKey";
        public const string BaseUrl = "baseUrl";
        public const string Token = "token";
        public const string ServiceAccountJson = "serviceAccountJson";
        public const string Keystore = "keystore";
        public const string Format = "format";
        public const string StorePassword = "storePassword";
        public const string Alias = "alias";
        public const string KeyPassword = "keyPassword";
    }
}
