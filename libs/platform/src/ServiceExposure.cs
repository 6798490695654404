namespace PocketCode.Platform;

/// <summary>Who can reach a service, which decides the browser-facing parts of its pipeline.</summary>
public enum ServiceExposure
{
    /// <summary>
    /// Reached from the internet (the BFF): CORS, HSTS and response compression on top of
    /// everything else.
    /// </summary>
    Public,

    /// <summary>
    /// Reached only from inside the VPC, through the BFF (Cloud Run ingress "internal",
    /// <c>terraform/cloud_run.tf</c>): no browser ever calls it, so it has no CORS or HSTS, and it
    /// does not compress, because the BFF compresses what it relays for the app. Security headers,
    /// authentication, rate limits, body limits and problem details stay. Fewer middleware and
    /// options types also mean less work per request and at start-up (docs/benchmarks.md).
    /// </summary>
    Internal,
}
