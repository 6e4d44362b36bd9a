namespace ImageSearch.Indexing.VectorStore.Qdrant;

/// <summary>
/// Payload field names in Qdrant, those of the system this replaces. Metadata is a nested object, so a filter on
/// metadata field <c>category</c> is the path <c>metadata.category</c>.
/// </summary>
public static class QdrantPayloadFields
{
    public const string ProductId = "product_id";
    public const string Name = "name";
    public const string Description = "description";
    public const string ImageRef = "image_ref";
    public const string Metadata = "metadata";
    public const string ModelKey = "model_key";
    public const string IndexedAt = "indexed_at";
    public const string Version = "version";

    public static string MetadataField(string field) => $"{Metadata}.{field}";
}
