namespace ImageSearch.Indexing.VectorStore;

/// <summary>Settings of both vector stores, bound from the <c>VectorStore</c> configuration section.</summary>
public sealed class VectorStoreOptions
{
    public const string SectionName = "VectorStore";

    /// <summary>The embedding model's vector size; every stored and query vector must have it.</summary>
    public int Dimensions { get; set; } = 512;

    /// <summary>Qdrant collection name, and the prefix of the embedded store's Redis keys.</summary>
    public string CollectionName { get; set; } = "products";

    /// <summary>Points sent in one Qdrant upsert or one Redis script call.</summary>
    public int UpsertBatchSize { get; set; } = 256;

    /// <summary>
    /// Metadata fields that get a Qdrant keyword index (filters on other fields still work, unindexed). Configured
    /// entries are added to the defaults: the configuration binder appends to a list.
    /// </summary>
    public List<string> IndexedMetadataFields { get; set; } = ["category", "brand"];

    /// <summary>Retries of a call that failed transiently, before <see cref="VectorStoreUnavailableException"/>.</summary>
    public int MaxRetryAttempts { get; set; } = 4;

    /// <summary>First retry delay; later ones grow exponentially, with jitter.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Threads one embedded search uses (0: every core).</summary>
    public int SearchParallelism { get; set; }

    /// <summary>Embedded store: load the in-memory index when the host starts instead of on the first search.</summary>
    public bool LoadIndexAtStartup { get; set; }
}
