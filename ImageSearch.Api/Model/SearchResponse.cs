using ImageSearch.Api.Security;

namespace ImageSearch.Api.Model;

public sealed record SearchResponse(string Model, int Count, IReadOnlyList<SearchResult> Results)
{
    public static SearchResponse From(string model, IReadOnlyList<VectorSearchHit> hits, ImageLinks links) =>
        new(model, hits.Count, hits.Select(hit => SearchResult.From(hit, links)).ToList());
}

/// <param name="ImageLink">Where this API serves the image (signed when reads need the key); null when image_ref is a URL.</param>
public sealed record SearchResult(
    string ProductId,
    float Score,
    string? Name,
    string? Description,
    string ImageRef,
    string? ImageLink,
    IReadOnlyDictionary<string, string> Metadata,
    DateTimeOffset IndexedAt)
{
    public static SearchResult From(VectorSearchHit hit, ImageLinks links) => new(
        hit.ProductId, hit.Score, hit.Payload.Name, hit.Payload.Description, hit.Payload.ImageRef,
        links.For(hit.Payload.ImageRef), hit.Payload.Metadata, hit.Payload.IndexedAt);
}
