using ImageSearch.Api.Security;

namespace ImageSearch.Api.Model;

/// <summary>An indexed product as the index holds it (without its vector).</summary>
/// <param name="ImageLink">Where this API serves the image (signed when reads need the key); null when image_ref is a URL.</param>
public sealed record ProductResponse(
    string ProductId,
    string? Name,
    string? Description,
    string ImageRef,
    string? ImageLink,
    IReadOnlyDictionary<string, string> Metadata,
    string Model,
    DateTimeOffset IndexedAt)
{
    public static ProductResponse From(ProductPayload payload, ImageLinks links) => new(
        payload.ProductId, payload.Name, payload.Description, payload.ImageRef, links.For(payload.ImageRef), payload.Metadata,
        payload.ModelKey, payload.IndexedAt);
}
