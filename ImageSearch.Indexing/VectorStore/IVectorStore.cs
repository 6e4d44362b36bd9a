namespace ImageSearch.Indexing.VectorStore;

/// <summary>
/// Where product vectors live: Qdrant in production, Redis plus an in-memory index locally (see README.md here).
/// Vectors are kept unit length and compared by cosine. Bad input throws <see cref="ArgumentException"/>; a store
/// that stays unreachable after retries throws <see cref="VectorStoreUnavailableException"/>.
/// </summary>
public interface IVectorStore
{
    /// <summary>Inserts or replaces the points (keyed by product id) in one call.</summary>
    Task UpsertAsync(IReadOnlyList<VectorPoint> points, CancellationToken cancellationToken = default);

    /// <summary>Removes a product; false when it was not there.</summary>
    Task<bool> DeleteAsync(string productId, CancellationToken cancellationToken = default);

    Task<VectorPoint?> GetAsync(string productId, CancellationToken cancellationToken = default);

    /// <summary>
    /// One page of every stored product's payload, whatever its model (for re-indexing). Start with a null cursor and
    /// pass each page's <see cref="PayloadPage.Next"/> until it is null. A product present for the whole scroll is seen
    /// at least once; one written during it may be seen twice.
    /// </summary>
    Task<PayloadPage> ScrollAsync(string? cursor, int limit, CancellationToken cancellationToken = default);

    /// <summary>Top results by cosine similarity, best first, after filter, offset and minimum score.</summary>
    Task<IReadOnlyList<VectorSearchHit>> SearchAsync(VectorSearchQuery query, CancellationToken cancellationToken = default);
}
