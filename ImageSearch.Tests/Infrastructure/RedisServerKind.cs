namespace ImageSearch.Tests.Infrastructure;

/// <summary>The Redis-protocol servers the system must work on.</summary>
public enum RedisServerKind
{
    Redis,
    Garnet,
    /// <summary>Three redis-server nodes in one Redis Cluster (the queue's contract runs on it too).</summary>
    Cluster
}
