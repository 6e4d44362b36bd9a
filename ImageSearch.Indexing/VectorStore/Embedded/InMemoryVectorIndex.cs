namespace ImageSearch.Indexing.VectorStore.Embedded;

/// <summary>
/// The searching process's copy of the stored vectors, one <see cref="ModelSegment"/> per model key so a
/// search only ever scans vectors of its own model. Each segment has its model's dimension: after a model change
/// that alters it, the old model's vectors stay loadable (and unsearched) until re-indexing replaces them.
/// Not thread-safe: the store serialises writers against readers.
/// </summary>
internal sealed class InMemoryVectorIndex
{
    private readonly Dictionary<string, ModelSegment> _segments = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ModelSegment> _segmentOfProduct = new(StringComparer.Ordinal);

    public int Count => _segmentOfProduct.Count;

    /// <summary>Inserts or replaces a product's unit vector; a product that changed model moves segment.</summary>
    public void Upsert(string productId, ReadOnlySpan<float> unitVector, ProductPayload payload)
    {
        if (!_segments.TryGetValue(payload.ModelKey, out var segment))
        {
            segment = new ModelSegment(unitVector.Length);
            _segments.Add(payload.ModelKey, segment);
        }

        if (segment.Dimensions != unitVector.Length)
        {
            throw new InvalidDataException(
                $"Stored vector of '{productId}' has {unitVector.Length} dimensions; other vectors of {payload.ModelKey} have {segment.Dimensions}.");
        }

        if (_segmentOfProduct.TryGetValue(productId, out var previous) && previous != segment)
        {
            previous.Remove(productId);
        }

        segment.Upsert(productId, unitVector, payload);
        _segmentOfProduct[productId] = segment;
    }

    public void Remove(string productId)
    {
        if (_segmentOfProduct.Remove(productId, out var segment))
        {
            segment.Remove(productId);
        }
    }

    public void Clear()
    {
        _segments.Clear();
        _segmentOfProduct.Clear();
    }

    public IReadOnlyList<VectorSearchHit> Search(VectorSearchQuery query, float[] unitQuery, int parallelism) =>
        _segments.TryGetValue(query.ModelKey, out var segment) && segment.Dimensions == unitQuery.Length
            ? segment.Search(query, unitQuery, parallelism)
            : [];
}
