namespace ImageSearch.Indexing.VectorStore;

/// <summary>A page of <see cref="IVectorStore.ScrollAsync"/>: payloads, and the cursor of the next page (null after the last).</summary>
public sealed record PayloadPage(IReadOnlyList<ProductPayload> Payloads, string? Next);
