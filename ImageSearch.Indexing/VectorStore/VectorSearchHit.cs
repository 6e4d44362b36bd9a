namespace ImageSearch.Indexing.VectorStore;

/// <summary>A search result: cosine similarity in [-1, 1], higher is closer.</summary>
public sealed record VectorSearchHit(string ProductId, float Score, ProductPayload Payload);
