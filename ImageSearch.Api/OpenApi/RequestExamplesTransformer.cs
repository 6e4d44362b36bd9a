using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace ImageSearch.Api.OpenApi;

/// <summary>Examples for the request bodies a reader is most likely to try first.</summary>
internal sealed class RequestExamplesTransformer : IOpenApiSchemaTransformer
{
    public Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        var type = context.JsonTypeInfo.Type;
        if (type == typeof(EnqueueRequest))
        {
            schema.Examples =
            [
                new JsonObject
                {
                    ["product_id"] = "sku-1042",
                    ["image_path"] = "catalog/sku-1042.jpg",
                    ["name"] = "Blue canvas sneaker",
                    ["metadata"] = new JsonObject { ["category"] = "shoes", ["price"] = 59.9 }
                }
            ];
        }
        else if (type == typeof(SearchByReferenceRequest))
        {
            schema.Examples = [new JsonObject { ["image_url"] = "https://example.com/photos/sneaker.jpg" }];
        }

        return Task.CompletedTask;
    }
}
