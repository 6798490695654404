using Grpc.Core;
using PocketCode.Storage.Documents;

namespace PocketCode.Storage.Firestore;

/// <summary>Firestore's failures in the port's terms: status codes to exceptions, failed preconditions to the write that broke them.</summary>
internal static class FirestoreErrors
{
    public static bool IsAborted(Exception? ex)
    {
        for (; ex is not null; ex = ex.InnerException)
        {
            if (ex is RpcException { StatusCode: StatusCode.Aborted })
            {
                return true;
            }
        }

        return false;
    }

    public static Exception Translate(RpcException ex) => ex.StatusCode switch
    {
        StatusCode.InvalidArgument => new ArgumentException($"Firestore rejected the request: {ex.Status.Detail}", ex),
        StatusCode.Unavailable => new DocumentStoreUnavailableException($"Firestore is unavailable: {ex.Status.Detail}", ex),
        _ => new DocumentStoreException($"Firestore call failed with {ex.StatusCode}: {ex.Status.Detail}", ex),
    };

    /// <summary>
    /// Names the write whose precondition failed. Firestore says only which rule broke, not which of a
    /// commit's writes broke it, so the current state of the written documents decides.
    /// </summary>
    public static async Task<Exception> ExplainPreconditionFailureAsync(RpcException failure, IReadOnlyList<PendingWrite> writes, Func<string, CancellationToken, Task<DocumentSnapshot?>> read, CancellationToken cancellationToken)
    {
        var checkedWrites = writes.Where(w => w.Precondition is not null || w.Kind == WriteKind.Update).ToList();
        if (checkedWrites.Count == 0)
        {
            return Translate(failure);
        }

        try
        {
            foreach (var write in checkedWrites)
            {
                var current = await read(write.Path, cancellationToken);
                if (CheckPrecondition(write, current) is { } explained)
                {
                    return explained;
                }
            }
        }
        catch (DocumentStoreException)
        {
            // The explanation is best effort; the status code still says what kind of failure it was.
        }

        var first = checkedWrites[0];
        return failure.StatusCode switch
        {
            StatusCode.AlreadyExists => new DocumentAlreadyExistsException(checkedWrites.FirstOrDefault(w => w.Precondition?.Exists == false)?.Path ?? first.Path),
            StatusCode.NotFound => new DocumentNotFoundException(checkedWrites.FirstOrDefault(w => w.Precondition?.Exists == true)?.Path ?? first.Path),
            _ => new PreconditionFailedException(first.Path),
        };
    }

    private static DocumentStoreException? CheckPrecondition(PendingWrite write, DocumentSnapshot? current)
    {
        var precondition = write.Precondition;
        if (precondition?.Exists == false && current is not null)
        {
            return new DocumentAlreadyExistsException(write.Path);
        }

        if ((precondition?.Exists == true || write.Kind == WriteKind.Update) && current is null)
        {
            return new DocumentNotFoundException(write.Path);
        }

        if (precondition?.UpdateTime is { } expected && current?.UpdateTime != DocumentValues.TruncateToMicroseconds(expected))
        {
            return new PreconditionFailedException(write.Path);
        }

        return null;
    }
}
