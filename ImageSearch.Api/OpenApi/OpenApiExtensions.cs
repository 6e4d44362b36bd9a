using Scalar.AspNetCore;

namespace ImageSearch.Api.OpenApi;

internal static class OpenApiExtensions
{
    public const string DocumentName = "v1";

    /// <summary>The OpenAPI document, generated from the endpoints at run time, with the API key scheme and examples.</summary>
    public static void AddApiDescription(this IHostApplicationBuilder builder) =>
        builder.Services.AddOpenApi(DocumentName, options =>
        {
            options.AddDocumentTransformer<ApiKeySecurityTransformer>();
            options.AddOperationTransformer<ApiKeySecurityTransformer>();
            options.AddOperationTransformer<SearchUploadTransformer>();
            options.AddSchemaTransformer<RequestExamplesTransformer>();
        });

    /// <summary>/openapi/v1.json always; the interactive reference at /scalar in Development only.</summary>
    public static void MapApiDescription(this WebApplication app)
    {
        app.MapOpenApi();
        if (app.Environment.IsDevelopment())
        {
            app.MapScalarApiReference(options => options
                .WithTitle("ImageSearch API")
                .AddPreferredSecuritySchemes(ApiKeySecurityTransformer.SchemeName));
        }
    }
}
