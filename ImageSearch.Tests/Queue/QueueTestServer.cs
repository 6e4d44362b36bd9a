using ImageSearch.Indexing.Queue;
using ImageSearch.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ImageSearch.Tests.Queue;

/// <summary>A fresh server of one kind for one test, and the queue parts wired to it.</summary>
public sealed class QueueTestServer : IAsyncDisposable
{
    private readonly List<ConnectionMultiplexer> _connections = [];

    private QueueTestServer(RedisServer server) => Server = server;

    public RedisServer Server { get; }

    public ConnectionMultiplexer Connection => _connections[0];

    public IDatabase Db => Connection.GetDatabase();

    public static async Task<QueueTestServer> StartAsync(RedisServerKind kind)
    {
        var test = new QueueTestServer(await RedisServer.StartAsync(kind));
        await test.ConnectAsync();
        return test;
    }

    /// <summary>A connection of its own: a consumer's BLMOVE holds its connection while it waits.</summary>
    public async Task<ConnectionMultiplexer> ConnectAsync()
    {
        var connection = await Server.ConnectAsync();
        _connections.Add(connection);
        return connection;
    }

    public TaskQueue Queue(QueueOptions? options = null, TimeProvider? timeProvider = null, IConnectionMultiplexer? connection = null) =>
        new(connection ?? Connection, Options.Create(options ?? new QueueOptions()), timeProvider ?? TimeProvider.System);

    public async Task<QueueConsumer> ConsumerAsync(string workerId, ITaskProcessor processor, QueueOptions? queueOptions = null,
        Action<ConsumerOptions>? configure = null)
    {
        var connection = await ConnectAsync();
        var options = new ConsumerOptions
        {
            WorkerId = workerId,
            PollInterval = TimeSpan.FromMilliseconds(100),
            HeartbeatInterval = TimeSpan.FromMilliseconds(250),
            HeartbeatTimeToLive = TimeSpan.FromSeconds(2)
        };
        configure?.Invoke(options);
        return new QueueConsumer(Queue(queueOptions, connection: connection), new WorkerRegistry(connection),
            Options.Create(options), TimeProvider.System, NullLogger<QueueConsumer>.Instance, processor);
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
