namespace ImageSearch.Indexing.VectorStore.Embedded;

/// <summary>
/// Every write is one script, so a point, the sequence and the change log never disagree. Only hashes,
/// counters and sorted sets, and every key passed in KEYS: runs on Redis 7 and Garnet (Lua 5.4) alike.
/// Sequences stay integers (INCR), never divided, so Lua 5.4 never turns them into "5.0".
/// </summary>
internal static class EmbeddedStoreScripts
{
    /// <summary>
    /// KEYS: sequence, changes, then one point hash per point. ARGV: product id, vector, payload, version per point.
    /// A point stored under a higher version than the write's is left as it is (see <see cref="ProductPayload.Version"/>).
    /// Returns how many points were written.
    /// </summary>
    public const string UpsertPoints = """
        local written = 0
        for i = 3, #KEYS do
          local at = (i - 3) * 4
          local version = tonumber(ARGV[at + 4])
          if version >= tonumber(redis.call('HGET', KEYS[i], 'version') or '0') then
            redis.call('HSET', KEYS[i], 'vector', ARGV[at + 2], 'payload', ARGV[at + 3], 'version', ARGV[at + 4])
            local sequence = redis.call('INCR', KEYS[1])
            redis.call('ZADD', KEYS[2], sequence, ARGV[at + 1])
            written = written + 1
          end
        end
        return written
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
