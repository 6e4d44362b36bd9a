using ImageSearch.Tests.Infrastructure;

namespace ImageSearch.Tests.Queue;

/// <summary>The servers the queue's contract runs on: redis-server, Garnet and a three-node Redis Cluster.</summary>
public sealed class QueueServers : TheoryData<RedisServerKind>
{
    public QueueServers() : base(RedisServerKind.Redis, RedisServerKind.Garnet, RedisServerKind.Cluster)
    {
    }
}

/// <summary>The single servers, for tests that kill or restart the server, or read its command statistics.</summary>
public sealed class SingleQueueServers : TheoryData<RedisServerKind>
{
    public SingleQueueServers() : base(RedisServerKind.Redis, RedisServerKind.Garnet)
    {
    }
}
