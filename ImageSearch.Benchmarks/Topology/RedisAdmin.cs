using StackExchange.Redis;

namespace ImageSearch.Benchmarks.Topology;

internal static class RedisAdmin
{
    /// <summary>Empties the server between runs, so every run starts from the same state.</summary>
    public static async Task FlushAsync(RedisServer server)
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(server.ConnectionString + ",allowAdmin=true");
        foreach (var endpoint in redis.GetEndPoints())
        {
            await redis.GetServer(endpoint).FlushAllDatabasesAsync();
        }
    }
}
