using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using PocketCode.Bff.Projects.Archives;
using PocketCode.Bff.Projects.Files;
using PocketCode.Bff.Projects.Templates;
using PocketCode.Platform;
using PocketCode.Storage.Documents;

namespace PocketCode.Bff.Projects;

/// <summary><c>/v1/projects</c>: create, list, read, rename and delete the caller's projects; their files and archive.</summary>
internal static class ProjectsEndpoints
{
    public const string ReplayedHeader = "Idempotent-Replayed";

    public static IServiceCollection AddProjects(this IServiceCollection services)
    {
        services.AddOptions<ProjectsOptions>().BindConfiguration(ProjectsOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ProjectsOptions>, ProjectsOptionsValidator>();
        services.AddSingleton<StarterTemplates>();
        services.AddSingleton<ProjectService>();
        services.AddSingleton<ProjectIdempotency>();
        services.AddDocumentStoreRequirements(new DocumentStoreRequirements(
            [
                // ProjectService.ListAsync: the owner's active projects, most recently used first.
                new CompositeIndex(ProjectStorage.Collection, IndexField.Asc(ProjectDocuments.OwnerUid), IndexField.Asc(ProjectDocuments.State), IndexField.Desc(ProjectDocuments.LastActivityAt)),
            ],
            [new TtlPolicy(ProjectIdempotency.Collection, "expiresAt")]));
        services.AddSingleton<ProjectFileService>();
        services.AddSingleton<ArchiveExporter>();
        services.AddSingleton<ArchiveImporter>();
        return services;
    }

    /// <summary>Maps <c>/v1/projects/**</c>: projects, their files and their zip archive.</summary>
    public static RouteGroupBuilder MapProjects(this IEndpointRouteBuilder app)
    {
        var settings = app.ServiceProvider.GetRequiredService<IOptions<ProjectsOptions>>().Value;
        // Read the templates now: a service shipped without them fails at start, not at the first create.
        app.ServiceProvider.GetRequiredService<StarterTemplates>().EnsureLoaded();

        var group = app.MapGroup("/v1/projects").WithTags("Projects");
        var jsonLimit = new RequestSizeLimitAttribute(settings.MaxJsonBodyBytes);

        group.MapPost("", CreateAsync)
            .WithName("CreateProject")
            .WithSummary("Creates a project seeded from a starter template. Send Idempotency-Key to make retries safe.")
            .WithMetadata(jsonLimit)
            .Produces<ProjectResponse>(StatusCodes.Status201Created)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict);

        group.MapGet("", ListAsync)
            .WithName("ListProjects")
            .WithSummary("The caller's projects, most recently active first, in cursor pages (?pageSize=&pageToken=).");

        group.MapGet("/{id}", GetAsync)
            .WithName("GetProject")
            .WithSummary("One project; ETag / If-None-Match supported.")
            .Produces<ProjectResponse>()
            .Produces(StatusCodes.Status304NotModified)
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapPatch("/{id}", RenameAsync)
            .WithName("UpdateProject")
            .WithSummary("Renames a project; If-Match makes it conditional.")
            .WithMetadata(jsonLimit)
            .Produces<ProjectResponse>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed);

        group.MapDelete("/{id}", DeleteAsync)
            .WithName("DeleteProject")
            .WithSummary("Deletes a project and all its files. An interrupted delete is finished by repeating it.")
            .Produces(StatusCodes.Status204NoContent)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed);

        group.MapFiles(settings);
        group.MapArchives(settings);
        return group;
    }

    private static async Task<Results<Created<ProjectResponse>, ValidationProblem>> CreateAsync(
        CreateProjectRequest body,
        HttpContext http,
        ICurrentUser user,
        ProjectService projects,
        ProjectIdempotency idempotency,
        CancellationToken cancellationToken)
    {
        var template = body.Template ?? StarterTemplates.Known[0];
        var errors = new FieldErrors()
            .Check("name", ProjectRules.ValidateName(body.Name))
            .Check("applicationId", ProjectRules.ValidateApplicationId(body.ApplicationId))
            .Check("template", ProjectRules.ValidateTemplate(template));
        string? key = null;
        if (http.Request.Headers.TryGetValue(ProjectIdempotency.HeaderName, out var keys))
        {
            key = keys.Count == 1 ? keys[0] : null;
            errors.Check(ProjectIdempotency.HeaderName, key is null ? $"Send one {ProjectIdempotency.HeaderName}." : ProjectIdempotency.ValidateKey(key));
        }

        if (!errors.IsEmpty)
        {
            return errors.ToResult();
        }

        var request = new NewProject(ProjectRules.NormalizeName(body.Name), body.ApplicationId, template);
        var outcome = key is null
            ? new CreateOutcome(await projects.CreateAsync(user.Uid, request, cancellationToken), Replayed: false)
            : await idempotency.CreateAsync(user.Uid, request, key, cancellationToken);

        http.Response.Headers.ETag = EntityTags.Quote(outcome.Project.Version);
        if (outcome.Replayed)
        {
            http.Response.Headers[ReplayedHeader] = "true";
        }

        return TypedResults.Created($"/v1/projects/{outcome.Project.Id}", ProjectResponse.From(outcome.Project));
    }

    private static async Task<Ok<ProjectListResponse>> ListAsync(
        ICurrentUser user,
        ProjectService projects,
        CancellationToken cancellationToken,
        int? pageSize = null,
        string? pageToken = null)
    {
        var page = await projects.ListAsync(user.Uid, pageSize, pageToken, cancellationToken);
        return TypedResults.Ok(new ProjectListResponse(page.Items.Select(ProjectResponse.From).ToList(), page.NextPageToken));
    }

    private static async Task<Results<Ok<ProjectResponse>, StatusCodeHttpResult>> GetAsync(string id, HttpContext http, ICurrentUser user, ProjectService projects, CancellationToken cancellationToken)
    {
        var project = await projects.GetOwnedAsync(user.Uid, id, cancellationToken);
        SetValidators(http, project);
        return EntityTags.NoneMatchHits(http.Request.Headers.IfNoneMatch, project.Version)
            ? TypedResults.StatusCode(StatusCodes.Status304NotModified)
            : TypedResults.Ok(ProjectResponse.From(project));
    }

    private static async Task<Results<Ok<ProjectResponse>, ValidationProblem>> RenameAsync(
        string id, UpdateProjectRequest body, HttpContext http, ICurrentUser user, ProjectService projects, CancellationToken cancellationToken)
    {
        if (ProjectRules.ValidateName(body.Name) is { } error)
        {
            // Ownership first, so another user's id answers 404 whatever the body says.
            await projects.GetOwnedAsync(user.Uid, id, cancellationToken);
            return Problems.Validation("name", error);
        }

        var project = await projects.RenameAsync(user.Uid, id, ProjectRules.NormalizeName(body.Name), EntityTags.Parse(http.Request.Headers.IfMatch), cancellationToken);
        SetValidators(http, project);
        return TypedResults.Ok(ProjectResponse.From(project));
    }

    private static async Task<NoContent> DeleteAsync(string id, HttpContext http, ICurrentUser user, ProjectService projects, CancellationToken cancellationToken)
    {
        await projects.DeleteAsync(user.Uid, id, EntityTags.Parse(http.Request.Headers.IfMatch), cancellationToken);
        return TypedResults.NoContent();
    }

    private static void SetValidators(HttpContext http, Project project)
    {
        http.Response.Headers.ETag = EntityTags.Quote(project.Version);
        // Clients keep the copy but ask again each time; the ETag makes the answer a cheap 304.
        http.Response.Headers.CacheControl = "private, no-cache";
    }
}
