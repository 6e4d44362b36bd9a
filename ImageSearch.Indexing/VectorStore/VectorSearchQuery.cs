namespace ImageSearch.Indexing.VectorStore;

/// <summary>
/// A nearest-neighbour query. Only vectors of <paramref name="ModelKey"/> are compared; <paramref name="Filter"/>
/// holds exact-match conditions on metadata fields (all must hold).
/// </summary>
public sealed record VectorSearchQuery(
    float[] Vector,
    string ModelKey,
    int Limit = 10,
    int Offset = 0,
    float? MinScore = null,
    IReadOnlyDictionary<string, string>? Filter = null,
    string? ExcludeProductId = null);
