namespace ImageSearch.Indexing.VectorStore;

/// <summary>What is stored beside a product's vector and returned with search results.</summary>
/// <param name="Version">
/// The place in the queue's order of the task that wrote it (its sequence), or 0 for a write outside the queue. A store
/// never lets a write replace a point of a higher version: a late write of an older task (a retry that ran on after its
/// lease lapsed, or an older image retried after a newer one was indexed) cannot overwrite a newer image.
/// </param>
public sealed record ProductPayload(
    string ProductId,
    string? Name,
    string? Description,
    string ImageRef,
    IReadOnlyDictionary<string, string> Metadata,
    string ModelKey,
    DateTimeOffset IndexedAt,
    long Version = 0);
