using Microsoft.AspNetCore.Http.HttpResults;

namespace PocketCode.Platform;

/// <summary>
/// The one way a request's fields are validated in every service: rule classes return a message
/// (or null) per field, the caller gathers them here, and all of them go back to the client in one
/// 400 <c>validation_failed</c> problem with an <c>errors</c> map (field names as the client sent
/// them). A rule that can only fail one field at a time throws <see cref="Invalid"/>, which has the
/// same shape.
/// </summary>
public sealed class FieldErrors
{
    private const string ManyDetail = "One or more fields are invalid; see errors.";
    private readonly Dictionary<string, string[]> _errors = new(StringComparer.Ordinal);

    public bool IsEmpty => _errors.Count == 0;

    public IReadOnlyDictionary<string, string[]> Errors => _errors;

    /// <summary>
    /// Records <paramref name="message"/> for <paramref name="field"/> unless it is null; the first
    /// message per field wins. The field is named as the client sent it, so it may be empty (a JSON
    /// member called "").
    /// </summary>
    public FieldErrors Check(string field, string? message)
    {
        ArgumentNullException.ThrowIfNull(field);
        if (message is not null)
        {
            _errors.TryAdd(field, [message]);
        }

        return this;
    }

    /// <summary>Records a message for a field (the first message per field wins).</summary>
    public FieldErrors Add(string field, string message) => Check(field, message ?? throw new ArgumentNullException(nameof(message)));

    /// <summary>Throws the 400 problem when any field failed.</summary>
    public void ThrowIfAny()
    {
        if (!IsEmpty)
        {
            throw ToException();
        }
    }

    /// <summary>The 400 problem of the recorded fields; the detail is the message itself when one field failed.</summary>
    public ProblemException ToException() => new(
        400,
        ProblemCodes.ValidationFailed,
        _errors.Count == 1 ? _errors.First().Value[0] : ManyDetail,
        new Dictionary<string, object?> { ["errors"] = new Dictionary<string, string[]>(_errors, StringComparer.Ordinal) });

    /// <summary>The same 400 problem as a handler result (<c>Results&lt;..., ValidationProblem&gt;</c>).</summary>
    public ValidationProblem ToResult() => Problems.Validation(new Dictionary<string, string[]>(_errors, StringComparer.Ordinal));

    /// <summary>The problem of one invalid field, for rules that stop at the first failure.</summary>
    public static ProblemException Invalid(string field, string message) => new FieldErrors().Add(field, message).ToException();
}
