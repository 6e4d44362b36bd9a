using ImageSearch.Tests.Infrastructure;
using StackExchange.Redis;

namespace ImageSearch.Tests.VectorStore;

/// <summary>One real server per test class (tests isolate themselves by key prefix), restartable on the same data.</summary>
public abstract class RedisServerFixture(RedisServerKind kind) : IAsyncLifetime
{
    public RedisServer Server { get; private set; } = null!;

    public ConnectionMultiplexer Connection { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Server = await RedisServer.StartAsync(kind);
        Connection = await Server.ConnectAsync();
    }

    /// <summary>A clean stop and start; stores opened afterwards use a new connection.</summary>
    public async Task RestartAsync()
    {
        await Server.StopAsync();
        await Server.StartAsync();
        var old = Connection;
        Connection = await Server.ConnectAsync();
        await old.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await Connection.DisposeAsync();
        await Server.DisposeAsync();
    }
}

public sealed class RedisFixture() : RedisServerFixture(RedisServerKind.Redis);

public sealed class GarnetFixture() : RedisServerFixture(RedisServerKind.Garnet);
