using StackExchange.Redis;

namespace ImageSearch.Tests.Infrastructure;

/// <summary>A real Redis-protocol server (or cluster) started for a test.</summary>
public interface ITestRedis : IAsyncDisposable
{
    RedisServerKind Kind { get; }

    string ConnectionString { get; }

    Task<ConnectionMultiplexer> ConnectAsync();
}
