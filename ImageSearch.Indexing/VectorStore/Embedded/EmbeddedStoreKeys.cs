using StackExchange.Redis;

namespace ImageSearch.Indexing.VectorStore.Embedded;

/// <summary>
/// The embedded store's Redis keys, all under one prefix (<c>products:</c> by default):
/// <list type="bullet">
/// <item><c>products:point:{productId}</c> hash: <c>vector</c> (float32 little-endian bytes), <c>payload</c> (JSON).</item>
/// <item><c>products:sequence</c> counter: bumped by every write.</item>
/// <item><c>products:changes</c> sorted set: product id scored by the sequence of its last write; a member whose
/// point hash is gone was deleted. Searching processes read it from the last sequence they applied.</item>
/// </list>
/// </summary>
internal sealed class EmbeddedStoreKeys(string prefix)
{
    public RedisKey Sequence { get; } = $"{prefix}:sequence";

    public RedisKey Changes { get; } = $"{prefix}:changes";

    public RedisKey Point(string productId) => $"{prefix}:point:{productId}";

    public static readonly RedisValue VectorField = "vector";

    public static readonly RedisValue PayloadField = "payload";
}
