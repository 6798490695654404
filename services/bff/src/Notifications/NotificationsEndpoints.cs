using PocketCode.Accounts.Users;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;
using PocketCode.Bff.Builds;
using PocketCode.Platform;
using PocketCode.Storage.Documents;

namespace PocketCode.Bff.Notifications;

internal sealed record RegisterDeviceRequest(string? Token, string? Platform, string? AppVersion);

/// <summary>A registered device as the app sees it (the FCM token is write-only).</summary>
internal sealed record DeviceResponse(string InstallationId, string Platform, string AppVersion, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    internal static DeviceResponse From(Device device) => new(device.InstallationId, device.Platform, device.AppVersion, device.CreatedAt, device.UpdatedAt);
}

internal sealed record DeviceListResponse(IReadOnlyList<DeviceResponse> Devices);

/// <summary>
/// <c>/v1/me/devices</c>: the app registers its FCM token per installation; finished builds are
/// pushed to every registered device (<see cref="PushNotifier"/>).
/// </summary>
internal static class NotificationsEndpoints
{
    public static IServiceCollection AddNotifications(this IServiceCollection services)
    {
        services.AddOptions<NotificationsOptions>().BindConfiguration(NotificationsOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<NotificationsOptions>, NotificationsOptionsValidator>();
        services.AddSingleton<DeviceService>();
        services.AddSingleton<IFcmAccessTokens, GoogleFcmAccessTokens>();
        services.AddSingleton<FcmClient>();
        services.AddSingleton<PushNotifier>();
        services.AddUserProfiles();
        services.AddSingleton<PushNotificationQueue>();
        services.AddSingleton<PushNotificationWorker>();
        services.AddHostedService(sp => sp.GetRequiredService<PushNotificationWorker>());
        // Replaces the builds' logging sink (it still logs each finished build).
        services.AddSingleton<IBuildCompletionSink, PushNotificationSink>();

        // One retry layer for FCM: the platform's standard handler (added to every client by
        // ServiceDefaults) is replaced on this client by a retry tuned by NotificationsOptions:
        // bounded attempts, exponential backoff with jitter, Retry-After honoured, on 408/429/5xx.
#pragma warning disable EXTEXP0001 // RemoveAllResilienceHandlers is marked experimental; it is the documented way to override the defaults per client.
        services.AddHttpClient(FcmClient.HttpClientName)
            .RemoveAllResilienceHandlers()
            .AddResilienceHandler("fcm", (pipeline, context) =>
            {
                var settings = context.ServiceProvider.GetRequiredService<IOptions<NotificationsOptions>>().Value;
                pipeline.AddTimeout(TimeSpan.FromMinutes(2));
                pipeline.AddRetry(new HttpRetryStrategyOptions
                {
                    MaxRetryAttempts = settings.MaxAttempts - 1,
                    Delay = settings.RetryDelay,
                    BackoffType = Polly.DelayBackoffType.Exponential,
                    UseJitter = true,
                    ShouldRetryAfterHeader = true,
                });
                pipeline.AddTimeout(TimeSpan.FromSeconds(15));
            });
#pragma warning restore EXTEXP0001

        services.AddDocumentStoreRequirements(new DocumentStoreRequirements([], [new TtlPolicy(PushNotifier.Collection, PushNotifier.ExpiresAt)]));
        return services;
    }

    public static RouteGroupBuilder MapNotifications(this IEndpointRouteBuilder app)
    {
        var devices = app.MapGroup("/v1/me/devices").WithTags("Notifications");
        devices.MapGet("", ListAsync).WithName("ListDevices").WithSummary("The caller's devices registered for push notifications.");
        devices.MapPut("/{installationId}", RegisterAsync).WithName("RegisterDevice")
            .WithSummary("Registers (or refreshes) this app installation's FCM registration token, platform (android|ios) and app version.")
            .WithMetadata(new RequestSizeLimitAttribute(16 * 1024))
            .Produces<DeviceResponse>(StatusCodes.Status201Created)
            .Produces<DeviceResponse>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict);
        devices.MapDelete("/{installationId}", RemoveAsync).WithName("RemoveDevice")
            .WithSummary("Stops push notifications to this installation.")
            .Produces(StatusCodes.Status204NoContent).ProducesProblem(StatusCodes.Status404NotFound);
        return devices;
    }

    private static async Task<Ok<DeviceListResponse>> ListAsync(ICurrentUser user, DeviceService devices, CancellationToken cancellationToken) =>
        TypedResults.Ok(new DeviceListResponse((await devices.ListAsync(user.Uid, cancellationToken)).Select(DeviceResponse.From).ToList()));

    private static async Task<Results<Created<DeviceResponse>, Ok<DeviceResponse>, ValidationProblem>> RegisterAsync(string installationId, RegisterDeviceRequest body, ICurrentUser user, DeviceService devices, CancellationToken cancellationToken)
    {
        var errors = DeviceService.Validate(installationId, body.Token, body.Platform, body.AppVersion);
        if (!errors.IsEmpty)
        {
            return errors.ToResult();
        }

        var (device, created) = await devices.RegisterAsync(user.Uid, installationId, body.Token!, body.Platform!, body.AppVersion!, cancellationToken);
        return created
            ? TypedResults.Created($"/v1/me/devices/{installationId}", DeviceResponse.From(device))
            : TypedResults.Ok(DeviceResponse.From(device));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> RemoveAsync(string installationId, ICurrentUser user, DeviceService devices, CancellationToken cancellationToken) =>
        await devices.RemoveAsync(user.Uid, installationId, cancellationToken)
            ? TypedResults.NoContent()
            : Problems.NotFound("No such device.");
}
