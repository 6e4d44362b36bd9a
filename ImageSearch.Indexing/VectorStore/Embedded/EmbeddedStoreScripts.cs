namespace ImageSearch.Indexing.VectorStore.Embedded;

/// <summary>
/// Every write is one script, so a point, the sequence and the change log never disagree. Only hashes,
/// counters and sorted sets, and every key passed in KEYS: runs on Redis 7 and Garnet (Lua 5.4) alike.
/// Sequences stay integers (INCR), never divided, so Lua 5.4 never turns them into "5.0".
/// </summary>
internal static class EmbeddedStoreScripts
{
    /// <summary>KEYS: sequence, changes, then one point hash per point. ARGV: product id, vector, payload per point.</summary>
    public const string UpsertPoints = """
        local sequence = 0
        for i = 3, #KEYS do
          local at = (i - 3) * 3
          redis.call('HSET', KEYS[i], 'vector', ARGV[at + 2], 'payload', ARGV[at + 3])
          sequence = redis.call('INCR', KEYS[1])
          redis.call('ZADD', KEYS[2], sequence, ARGV[at + 1])
        end
        return sequence
        """;

    /// <summary>KEYS: sequence, changes, point hash. ARGV: product id. Returns 1 when the point existed.</summary>
    public const string DeletePoint = """
        if redis.call('DEL', KEYS[3]) == 0 then
          return 0
        end
        local sequence = redis.call('INCR', KEYS[1])
        redis.call('ZADD', KEYS[2], sequence, ARGV[1])
        return 1
        """;
}
