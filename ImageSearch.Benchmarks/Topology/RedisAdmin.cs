using StackExchange.Redis;

namespace ImageSearch.Benchmarks.Topology;

internal static class RedisAdmin
{
    /// <summary>Empties the server between runs, so every run starts from the same state.</summary>
    /// <remarks>
    /// Synchronously, so that the next run does not share the cores with the freeing; a minute of enqueue load leaves
    /// over a million task hashes, which took more than the default 5 s timeout to free.
    /// </remarks>
    public static async Task FlushAsync(RedisServer server)
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(server.ConnectionString + ",allowAdmin=true,syncTimeout=120000,asyncTimeout=120000");
        foreach (var endpoint in redis.GetEndPoints())
        {
            await redis.GetServer(endpoint).FlushAllDatabasesAsync();
        }
    }
}
