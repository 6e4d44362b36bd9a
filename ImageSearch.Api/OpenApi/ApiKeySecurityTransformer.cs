using ImageSearch.Api.Security;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;

namespace ImageSearch.Api.OpenApi;

/// <summary>
/// Declares the X-Api-Key scheme and puts it on the operations that check the key: always the mutating ones, and the
/// reading ones too when ApiKey:RequireForReads is set (so the document says what this server really asks for).
/// </summary>
internal sealed class ApiKeySecurityTransformer(IOptions<ApiKeyOptions> options) : IOpenApiDocumentTransformer, IOpenApiOperationTransformer
{
    public const string SchemeName = "ApiKey";

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[SchemeName] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Header,
            Name = ApiKeyOptions.HeaderName,
            Description = "The key the AppHost generates (parameter api-key), passed to the API as ApiKey__Key."
        };
        return Task.CompletedTask;
    }

    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var requirement = context.Description.ActionDescriptor.EndpointMetadata.OfType<ApiKeyRequirement>().FirstOrDefault();
        if (requirement is null || (requirement.ForReads && !options.Value.RequireForReads))
        {
            return Task.CompletedTask;
        }

        operation.Security ??= [];
        operation.Security.Add(new OpenApiSecurityRequirement
        {
            [new OpenApiSecuritySchemeReference(SchemeName, context.Document)] = []
        });
        operation.Responses ??= new OpenApiResponses();
        operation.Responses.TryAdd("401", new OpenApiResponse { Description = "No X-Api-Key header, or the wrong key" });
        return Task.CompletedTask;
    }
}
