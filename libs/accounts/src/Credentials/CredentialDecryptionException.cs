namespace PocketCode.Accounts.Credentials;

public enum CredentialDecryptionFailure
{
    /// <summary>The record names a key id that CREDENTIALS_KEYS no longer holds.</summary>
    UnknownKey,

    /// <summary>
    /// Authentication failed: the ciphertext, nonce or associated data (uid, kind, key id) is not
    /// what was encrypted: tampering, or a record copied to another user or kind.
    /// </summary>
    Tampered,

    /// <summary>The stored record lacks fields or has values of the wrong shape.</summary>
    Malformed,
}

/// <summary>
/// A stored credential could not be decrypted. The message names the kind and the reason, never
/// any key or plaintext; callers turn it into a problem telling the user to store the credential again.
/// </summary>
public sealed class CredentialDecryptionException : Exception
{
    public CredentialDecryptionException(string kind, CredentialDecryptionFailure failure, Exception? innerException = null)
        : base(Describe(kind, failure), innerException)
    {
        Kind = kind;
        Failure = failure;
    }

    public CredentialDecryptionException()
        : this("unknown", CredentialDecryptionFailure.Malformed)
    {
    }

    public CredentialDecryptionException(string message)
        : base(message)
    {
        Kind = "unknown";
    }

    public CredentialDecryptionException(string message, Exception innerException)
        : base(message, innerException)
    {
        Kind = "unknown";
    }

    public string Kind { get; }

    public CredentialDecryptionFailure Failure { get; }

    private static string Describe(string kind, CredentialDecryptionFailure failure) => failure switch
    {
        CredentialDecryptionFailure.UnknownKey => $"The stored '{kind}' credential was encrypted with a key that is no longer configured.",
        CredentialDecryptionFailure.Tampered => $"The stored '{kind}' credential failed authentication: it was altered or does not belong to this user and kind.",
        _ => $"The stored '{kind}' credential is malformed.",
    };
}
