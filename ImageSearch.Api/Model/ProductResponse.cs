namespace ImageSearch.Api.Model;

/// <summary>An indexed product as the index holds it (without its vector).</summary>
public sealed record ProductResponse(
    string ProductId,
    string? Name,
    string? Description,
    string ImageRef,
    IReadOnlyDictionary<string, string> Metadata,
    string Model,
    DateTimeOffset IndexedAt)
{
    public static ProductResponse From(ProductPayload payload) => new(
        payload.ProductId, payload.Name, payload.Description, payload.ImageRef, payload.Metadata,
        payload.ModelKey, payload.IndexedAt);
}
