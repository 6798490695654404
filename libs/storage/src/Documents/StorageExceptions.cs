namespace PocketCode.Storage.Documents;

public class DocumentStoreException : Exception
{
    public DocumentStoreException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}

public sealed class DocumentNotFoundException(string path)
    : DocumentStoreException($"Document '{path}' does not exist.")
{
    public string Path { get; } = path;
}

public sealed class DocumentAlreadyExistsException(string path)
    : DocumentStoreException($"Document '{path}' already exists.")
{
    public string Path { get; } = path;
}

/// <summary>An update-time or existence precondition did not hold: someone else wrote first.</summary>
public sealed class PreconditionFailedException(string path)
    : DocumentStoreException($"Document '{path}' did not meet the write's precondition.")
{
    public string Path { get; } = path;
}

/// <summary>A transaction still conflicted after its last allowed attempt.</summary>
public sealed class TransactionContentionException(int attempts, Exception? innerException = null)
    : DocumentStoreException($"The transaction conflicted with other writes {attempts} times and was given up.", innerException)
{
    public int Attempts { get; } = attempts;
}

/// <summary>
/// The store could not be reached (after the adapter's own retries): the request can be repeated
/// later. Services answer it with a 503 problem rather than a 500.
/// </summary>
public sealed class DocumentStoreUnavailableException(string message, Exception? innerException = null)
    : DocumentStoreException(message, innerException);
