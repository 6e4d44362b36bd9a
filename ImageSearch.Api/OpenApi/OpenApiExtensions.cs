using System.Reflection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Scalar.AspNetCore;

namespace ImageSearch.Api.OpenApi;

internal static class OpenApiExtensions
{
    public const string DocumentName = "v1";

    /// <summary>
    /// True while the build writes the OpenAPI document (obj/ImageSearch.Api.json): it runs the application's
    /// start-up code, with no AppHost and no Redis, only to read its endpoints.
    /// </summary>
    public static bool IsGeneratingDocumentAtBuild { get; } =
        Assembly.GetEntryAssembly()?.GetName().Name == "GetDocument.Insider";

    /// <summary>
    /// The OpenAPI document, with the API key scheme and examples: written at build to obj/ImageSearch.Api.json
    /// (Microsoft.Extensions.ApiDescription.Server) and served at run time.
    /// </summary>
    /// <remarks>Register it last: at build time it also removes the background services, which need Redis.</remarks>
    public static void AddApiDescription(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOpenApi(DocumentName, options =>
        {
            options.AddDocumentTransformer<ApiKeySecurityTransformer>();
            options.AddOperationTransformer<ApiKeySecurityTransformer>();
            options.AddOperationTransformer<SearchUploadTransformer>();
            options.AddSchemaTransformer<RequestExamplesTransformer>();
        });

        if (IsGeneratingDocumentAtBuild)
        {
            builder.Services.RemoveAll<IHostedService>();
        }
    }

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
