using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using PocketCode.Storage.Queues;

namespace PocketCode.Storage.PubSub;

/// <summary>A push request's body (docs.cloud.google.com/pubsub/docs/push, read 2026-12-08; the same shape the emulator sends).</summary>
internal sealed record PushBody(PushMessage? Message, string? Subscription, int? DeliveryAttempt);

internal sealed record PushMessage(byte[]? Data, Dictionary<string, string>? Attributes, string? MessageId, string? OrderingKey);

public static class PubSubPushEndpoints
{
    /// <summary>Push subscriptions deliver queue Q to <c>{PUBLIC_BASE_URL}/internal/queues/Q</c> and its dead letters to <c>.../Q/dead-letter</c>.</summary>
    public const string PathPrefix = "/internal/queues";

    /// <summary>
    /// Maps the push endpoints of every queue with a handler: a valid push token (unless switched off
    /// for the emulator) and a registered queue, then the item goes through the same delivery code as
    /// the embedded dispatcher; 204 acknowledges, 500 makes Pub/Sub redeliver with its back-off.
    /// Nothing is mapped when the queue is embedded.
    /// </summary>
    public static RouteGroupBuilder MapWorkQueuePush(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var group = endpoints.MapGroup(PathPrefix);
        if (endpoints.ServiceProvider.GetRequiredService<WorkQueueOptions>().Kind != WorkQueueKind.PubSub)
        {
            return group;
        }

        // The push token is the authentication; user tokens mean nothing here.
        group.AllowAnonymous().ExcludeFromDescription();
        group.MapPost("/{queue}", (string queue, HttpContext context) => HandleAsync(queue, dead: false, context));
        group.MapPost("/{queue}" + PubSubNames.DeadLetterSuffix, (string queue, HttpContext context) => HandleAsync(queue, dead: true, context));
        return group;
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> HandleAsync(string queue, bool dead, HttpContext context)
    {
        var services = context.RequestServices;
        var options = services.GetRequiredService<WorkQueueOptions>();
        if (!options.PushAuthenticationDisabled)
        {
            var audience = new Uri(options.PushAudienceBase!, $"{PathPrefix.TrimStart('/')}/{queue}{(dead ? PubSubNames.DeadLetterSuffix : "")}").ToString();
            var refusal = await services.GetRequiredService<PushTokenValidator>().CheckAsync(context.Request, audience, context.RequestAborted);
            if (refusal is not null)
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "The push request is not authenticated.", detail: refusal);
            }
        }

        if (!WorkQueueNames.IsValid(queue) || !services.GetServices<WorkQueueRegistration>().Any(r => r.Queue == queue))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "There is no such queue.");
        }

        PushBody? body;
        try
        {
            body = await JsonSerializer.DeserializeAsync(context.Request.Body, WorkQueueJson.Default.PushBody, context.RequestAborted);
        }
        catch (JsonException)
        {
            body = null;
        }

        if (body?.Message is not { } message)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "The body is not a Pub/Sub push request.");
        }

        var attributes = message.Attributes ?? [];
        // Items published by this adapter carry their id; any other message is keyed by Pub/Sub's.
        var id = attributes.Remove(PubSubNames.IdAttribute, out var ownId) ? ownId : message.MessageId ?? "";
        attributes.Remove(PubSubNames.OrderingKeyAttribute, out var orderingKey);
        if (!string.IsNullOrEmpty(message.OrderingKey))
        {
            orderingKey = message.OrderingKey;
        }

        var item = new WorkItem(queue, id, message.Data ?? [], attributes, string.IsNullOrEmpty(orderingKey) ? null : orderingKey, body.DeliveryAttempt);
        var delivery = services.GetRequiredService<WorkDelivery>();
        var done = dead
            ? await delivery.DeadLetterAsync(item, context.RequestAborted)
            : await delivery.DeliverAsync(item, context.RequestAborted);
        return done
            ? TypedResults.NoContent()
            : TypedResults.Problem(statusCode: StatusCodes.Status500InternalServerError, title: "The work item failed; Pub/Sub will redeliver it.");
    }
}
