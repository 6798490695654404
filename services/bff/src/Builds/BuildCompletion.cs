namespace PocketCode.Bff.Builds;

/// <summary>
/// The seam where a build reaches succeeded, failed or cancelled. Called once per build, after the
/// terminal state is committed; it must return quickly (push notifications queue the build and
/// send in the background: Notifications/PushNotifier).
/// </summary>
internal interface IBuildCompletionSink
{
    Task OnBuildFinishedAsync(Build build, CancellationToken cancellationToken);
}

internal sealed partial class LoggingBuildCompletionSink(ILogger<LoggingBuildCompletionSink> logger) : IBuildCompletionSink
{
    public Task OnBuildFinishedAsync(Build build, CancellationToken cancellationToken)
    {
        LogFinished(logger, build.Id, build.State, build.Error?.Code);
        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Build {BuildId} finished: {State} {ErrorCode}")]
    private static partial void LogFinished(ILogger logger, string buildId, string state, string? errorCode);
}
