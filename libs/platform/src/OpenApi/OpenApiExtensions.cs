using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;

namespace PocketCode.Platform;

internal static class OpenApiExtensions
{
    public const string EnabledKey = "OpenApi:Enabled";
    public const string DocumentRoutePattern = "/openapi/{documentName}.json";
    public const string ReferencePath = "/scalar";
    private const string BearerScheme = "Bearer";

    public static IServiceCollection AddPlatformOpenApi(this IServiceCollection services) =>
        services.AddOpenApi(options => options.AddDocumentTransformer(AddBearerSecurity));

    // Every operation needs a Firebase ID token (the fallback policy); saying so in the document
    // lets the reference page and generated clients send one.
    private static Task AddBearerSecurity(Microsoft.OpenApi.OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            BearerFormat = "JWT",
            Description = "Firebase ID token of the signed-in user. In Development, POST /dev/tokens mints one.",
        };
        document.Security ??= [];
        document.Security.Add(new OpenApiSecurityRequirement
        {
            [new OpenApiSecuritySchemeReference(BearerScheme, document)] = [],
        });
        return Task.CompletedTask;
    }
}
