namespace ImageSearch.Api.Model;

public sealed record SearchResponse(string Model, int Count, IReadOnlyList<SearchResult> Results)
{
    public static SearchResponse From(string model, IReadOnlyList<VectorSearchHit> hits) =>
        new(model, hits.Count, hits.Select(SearchResult.From).ToList());
}

public sealed record SearchResult(
    string ProductId,
    float Score,
    string? Name,
    string? Description,
    string ImageRef,
    IReadOnlyDictionary<string, string> Metadata,
    DateTimeOffset IndexedAt)
{
    public static SearchResult From(VectorSearchHit hit) => new(
        hit.ProductId, hit.Score, hit.Payload.Name, hit.Payload.Description, hit.Payload.ImageRef,
        hit.Payload.Metadata, hit.Payload.IndexedAt);
}
