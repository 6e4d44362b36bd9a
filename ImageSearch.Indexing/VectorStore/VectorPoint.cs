namespace ImageSearch.Indexing.VectorStore;

/// <summary>A product's vector and payload. One point per product: indexing a product again replaces it.</summary>
public sealed record VectorPoint(string ProductId, float[] Vector, ProductPayload Payload);
