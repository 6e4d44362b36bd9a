using System.Globalization;
using StackExchange.Redis;

namespace ImageSearch.Indexing.Queue;

/// <summary>
/// Blocks until the pending list holds a task, on a connection of its own, so that nothing else a process sends
/// (lease renewals, heartbeats, upserts) waits behind it. It waits with <c>BLMOVE image_indexing_queue
/// image_indexing_queue LEFT LEFT</c>, which moves the head onto itself: nothing is taken, so a wait that fails or
/// times out on the client can leave nothing behind on the server. The connection's timeout is set past the longest wait.
/// </summary>
public sealed class QueueWaiter : IAsyncDisposable
{
    private static readonly TimeSpan TimeoutMargin = TimeSpan.FromSeconds(5);

    private readonly ConnectionMultiplexer _connection;

    private QueueWaiter(ConnectionMultiplexer connection) => _connection = connection;

    /// <summary>A waiter on the same server as <paramref name="redis"/>, for waits up to <paramref name="longestWait"/>.</summary>
    public static async Task<QueueWaiter> ConnectAsync(IConnectionMultiplexer redis, TimeSpan longestWait)
    {
        var configuration = ConfigurationOptions.Parse(redis.Configuration);
        var timeout = (int)(longestWait + TimeoutMargin).TotalMilliseconds;
        configuration.AsyncTimeout = Math.Max(configuration.AsyncTimeout, timeout);
        configuration.SyncTimeout = Math.Max(configuration.SyncTimeout, timeout);
        configuration.AbortOnConnectFail = false;
        configuration.ClientName = $"{configuration.ClientName ?? "imagesearch"}-queue-wait";
        return new QueueWaiter(await ConnectionMultiplexer.ConnectAsync(configuration));
    }

    /// <summary>Returns when a task is pending, or after <paramref name="wait"/>; true when one is.</summary>
    public async Task<bool> WaitForTaskAsync(TimeSpan wait, CancellationToken cancellationToken)
    {
        var seconds = Math.Max(0.01, wait.TotalSeconds).ToString("0.###", CultureInfo.InvariantCulture);
        var moved = _connection.GetDatabase().ExecuteAsync("BLMOVE", (RedisKey)QueueKeys.Pending, (RedisKey)QueueKeys.Pending, "LEFT", "LEFT", seconds);
        var head = await moved.WaitAsync(cancellationToken);
        return !head.IsNull;
    }

    public ValueTask DisposeAsync() => _connection.DisposeAsync();
}
