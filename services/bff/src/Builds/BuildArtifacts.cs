using Microsoft.Extensions.Options;
using PocketCode.Platform;
using PocketCode.Storage.Blobs;

namespace PocketCode.Bff.Builds;

internal sealed record ArtifactDownload(string File, long Size, string Url, DateTimeOffset ExpiresAt);

/// <summary>
/// A build's files in <c>build-artifacts/{uid}/{projectId}/{buildId}/</c>: signed upload URLs for
/// the workflow run that builds it, signed download URLs for its owner.
/// </summary>
internal sealed class BuildArtifacts(IBlobStore blobs, BuildService builds, BuildTransitions transitions, IOptions<BuildsOptions> options)
{
    /// <summary>A signed PUT URL for one artifact of the caller's run, recorded on the build.</summary>
    public async Task<ArtifactUploadResponse> CreateUploadUrlAsync(string buildId, string repository, long runId, ArtifactUploadRequest request, CancellationToken cancellationToken)
    {
        if (request.RunId != runId)
        {
            throw ProblemException.Forbidden("The request's runId is not the run its token was issued to.");
        }

        var file = request.File;
        var result = await transitions.TransitionAsync(buildId, (build, _) =>
        {
            BuildRules.EnsureCaller(build, repository, runId);
            if (build.IsTerminal)
            {
                throw ProblemException.Conflict($"The build already ended ({build.State}).");
            }

            var files = build.ArtifactFiles.Contains(file, StringComparer.Ordinal) ? build.ArtifactFiles : [.. build.ArtifactFiles, file];
            return new BuildChange(null, new Dictionary<string, object?>
            {
                [BuildDocuments.ArtifactFiles] = files.Select(f => (object?)f).ToList(),
                [BuildDocuments.WorkflowRunId] = runId,
            });
        }, cancellationToken) ?? throw ProblemException.NotFound("No such build.");

        var lifetime = options.Value.ArtifactUrlLifetime;
        var contentType = BuildRules.ArtifactContentType(file);
        var url = await blobs.CreateSignedUrlAsync(BucketNames.BuildArtifacts, result.Build.ArtifactPrefix + file, SignedUrlMethod.Put, lifetime, contentType, cancellationToken);
        return new ArtifactUploadResponse(url.ToString(), "PUT", contentType, DateTimeOffset.UtcNow + lifetime);
    }

    /// <summary>A short-lived download URL of one of the caller's artifacts (the AAB unless <paramref name="file"/> names another).</summary>
    public async Task<ArtifactDownload> CreateDownloadUrlAsync(string uid, string buildId, string? file, CancellationToken cancellationToken)
    {
        var build = await builds.GetOwnedAsync(uid, buildId, cancellationToken);
        var name = file ?? build.ArtifactFiles.FirstOrDefault(f => f.EndsWith(".aab", StringComparison.Ordinal)) ?? (build.ArtifactFiles.Count > 0 ? build.ArtifactFiles[0] : null);
        if (name is null || !build.ArtifactFiles.Contains(name, StringComparer.Ordinal)
            || await blobs.GetInfoAsync(BucketNames.BuildArtifacts, build.ArtifactPrefix + name, cancellationToken) is not { } info)
        {
            throw ProblemException.NotFound(file is null ? "This build has no artifact yet." : $"This build has no artifact '{file}'.");
        }

        var lifetime = options.Value.ArtifactUrlLifetime;
        var url = await blobs.CreateSignedUrlAsync(BucketNames.BuildArtifacts, info.Name, SignedUrlMethod.Get, lifetime, cancellationToken: cancellationToken);
        return new ArtifactDownload(name, info.Size, url.ToString(), DateTimeOffset.UtcNow + lifetime);
    }
}
