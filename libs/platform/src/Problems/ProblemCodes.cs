namespace PocketCode.Platform;

/// <summary>
/// Stable machine-readable error codes. Clients branch on these, never on titles or details,
/// so a code, once shipped, keeps its meaning.
/// </summary>
public static class ProblemCodes
{
    public const string BadRequest = "bad_request";
    public const string ValidationFailed = "validation_failed";
    public const string Unauthorized = "unauthorized";
    public const string Forbidden = "forbidden";
    public const string NotFound = "not_found";
    public const string MethodNotAllowed = "method_not_allowed";
    public const string NotAcceptable = "not_acceptable";
    public const string RequestTimeout = "request_timeout";
    public const string Conflict = "conflict";
    public const string Gone = "gone";
    public const string PreconditionFailed = "precondition_failed";
    public const string PayloadTooLarge = "payload_too_large";
    public const string UnsupportedMediaType = "unsupported_media_type";
    public const string UnprocessableEntity = "unprocessable_entity";
    public const string PreconditionRequired = "precondition_required";
    public const string RateLimited = "rate_limited";
    public const string ClientClosedRequest = "client_closed_request";
    public const string InternalError = "internal_error";
    public const string NotImplemented = "not_implemented";
    public const string BadGateway = "bad_gateway";
    public const string ServiceUnavailable = "service_unavailable";
    public const string GatewayTimeout = "gateway_timeout";

    /// <summary>Base of every problem <c>type</c>; <c>{base}{code}</c> names one kind of error.</summary>
    public const string TypeBaseUri = "https://errors.pocketcode.dev/";

    /// <summary>The stable <c>type</c> URI for a code, e.g. <c>https://errors.pocketcode.dev/not_found</c>.</summary>
    public static string TypeUri(string code) => TypeBaseUri + code;

    /// <summary>The code used when a response carries only a status (status pages, framework errors).</summary>
    public static string FromStatus(int status) => status switch
    {
        400 => BadRequest,
        401 => Unauthorized,
        403 => Forbidden,
        404 => NotFound,
        405 => MethodNotAllowed,
        406 => NotAcceptable,
        408 => RequestTimeout,
        409 => Conflict,
        410 => Gone,
        412 => PreconditionFailed,
        413 => PayloadTooLarge,
        415 => UnsupportedMediaType,
        422 => UnprocessableEntity,
        428 => PreconditionRequired,
        429 => RateLimited,
        499 => ClientClosedRequest,
        501 => NotImplemented,
        502 => BadGateway,
        503 => ServiceUnavailable,
        504 => GatewayTimeout,
        >= 500 => InternalError,
        _ => BadRequest,
    };
}
