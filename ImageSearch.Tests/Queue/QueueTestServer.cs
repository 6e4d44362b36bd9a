using ImageSearch.Indexing.Queue;
using ImageSearch.Tests.Infrastructure;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ImageSearch.Tests.Queue;

/// <summary>A fresh server (or cluster) of one kind for one test, and the queue parts wired to it.</summary>
public sealed class QueueTestServer : IAsyncDisposable
{
    private readonly List<ConnectionMultiplexer> _connections = [];

    private QueueTestServer(ITestRedis server) => Server = server;

    public ITestRedis Server { get; }

    /// <summary>The single server, for tests that stop, kill or restart it.</summary>
    public RedisServer SingleServer => (RedisServer)Server;

    public ConnectionMultiplexer Connection => _connections[0];

    public IDatabase Db => Connection.GetDatabase();

    public static async Task<QueueTestServer> StartAsync(RedisServerKind kind)
    {
        ITestRedis server = kind == RedisServerKind.Cluster ? await RedisCluster.StartAsync() : await RedisServer.StartAsync(kind);
        var test = new QueueTestServer(server);
        await test.ConnectAsync();
        return test;
    }

    public async Task<ConnectionMultiplexer> ConnectAsync(string? extraConfiguration = null)
    {
        var connection = await ConnectionMultiplexer.ConnectAsync(
            extraConfiguration is null ? Server.ConnectionString : $"{Server.ConnectionString},{extraConfiguration}");
        _connections.Add(connection);
        return connection;
    }

    public TaskQueue Queue(QueueOptions? options = null, TimeProvider? timeProvider = null, IConnectionMultiplexer? connection = null) =>
        new(connection ?? Connection, Options.Create(options ?? new QueueOptions()), timeProvider ?? TimeProvider.System);

    /// <summary>A consumer on a connection of its own, with short intervals (leases of two seconds unless configured).</summary>
    public async Task<QueueConsumer> ConsumerAsync(string workerId, ITaskProcessor processor, QueueOptions? queueOptions = null,
        Action<ConsumerOptions>? configure = null, ILogger<QueueConsumer>? logger = null, string? connectionOptions = null)
    {
        var connection = await ConnectAsync(connectionOptions);
        var options = new ConsumerOptions
        {
            WorkerId = workerId,
            PollInterval = TimeSpan.FromMilliseconds(100),
            HeartbeatInterval = TimeSpan.FromMilliseconds(250),
            HeartbeatTimeToLive = TimeSpan.FromSeconds(2),
            LeaseDuration = TimeSpan.FromSeconds(2)
        };
        configure?.Invoke(options);
        return new QueueConsumer(Queue(queueOptions, connection: connection), new WorkerRegistry(connection),
            Options.Create(options), TimeProvider.System, logger ?? NullLogger<QueueConsumer>.Instance, processor);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var connection in _connections)
        {
            await connection.DisposeAsync();
        }

        await Server.DisposeAsync();
    }
}
