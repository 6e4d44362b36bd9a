namespace ImageSearch.Indexing.VectorStore;

/// <summary>What is stored beside a product's vector and returned with search results.</summary>
public sealed record ProductPayload(
    string ProductId,
    string? Name,
    string? Description,
    string ImageRef,
    IReadOnlyDictionary<string, string> Metadata,
    string ModelKey,
    DateTimeOffset IndexedAt);
