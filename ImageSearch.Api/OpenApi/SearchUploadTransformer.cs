using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace ImageSearch.Api.OpenApi;

/// <summary>
/// POST /search reads its body by hand (upload or JSON), so the generator only knows the JSON shape; describe the
/// multipart form as what it is: one file in the field 'image'.
/// </summary>
internal sealed class SearchUploadTransformer : IOpenApiOperationTransformer
{
    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        if (operation.OperationId == "Search" && operation.RequestBody?.Content is { } content && content.ContainsKey("multipart/form-data"))
        {
            content["multipart/form-data"] = new OpenApiMediaType
            {
                Schema = new OpenApiSchema
                {
                    Type = JsonSchemaType.Object,
                    Required = new HashSet<string> { "image" },
                    Properties = new Dictionary<string, IOpenApiSchema>
                    {
                        ["image"] = new OpenApiSchema
                        {
                            Type = JsonSchemaType.String,
                            Format = "binary",
                            Description = "The query image (JPEG, PNG, WebP, GIF or BMP)"
                        }
                    }
                }
            };
        }

        return Task.CompletedTask;
    }
}
