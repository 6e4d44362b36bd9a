using ImageSearch.Indexing.Queue;
using ImageSearch.Tests.Infrastructure;

namespace ImageSearch.Tests.Queue;

// With the append-only file on, a server restart loses no acknowledged enqueue or transition.
public class ServerRestartTests
{
    [Theory]
    [InlineData(RedisServerKind.Redis)]
    [InlineData(RedisServerKind.Garnet)]
    public async Task Acknowledged_enqueues_survive_a_server_restart(RedisServerKind kind)
    {
        await using var test = await QueueTestServer.StartAsync(kind);
        var queue = test.Queue();
        var ids = new List<string>();
        for (var i = 0; i < 20; i++)
        {
            ids.AddRange((await queue.EnqueueBatchAsync([.. Enumerable.Range(0, 10).Select(j => new NewTask($"p-{i}-{j}", "a.jpg", null))])).Select(r => r.TaskId));
        }

        var taken = await queue.DequeueAsync("w1", 3, TimeSpan.FromMilliseconds(50));
        await queue.CompleteAsync("w1", taken[0], new Dictionary<string, string> { ["ok"] = "1" }, TimeSpan.Zero);

        await test.Server.StopAsync();
        await test.Server.StartAsync();
        await using var reconnected = await test.Server.ConnectAsync();
        var after = test.Queue(connection: reconnected);

        Assert.Equal(ids.Skip(3), (await reconnected.GetDatabase().ListRangeAsync(QueueKeys.Pending)).Select(v => v.ToString()));
        Assert.Equal(taken.Skip(1).Select(t => t.TaskId),
            (await reconnected.GetDatabase().ListRangeAsync(QueueKeys.Processing("w1"))).Select(v => v.ToString()));
        Assert.Equal(TaskStatuses.Completed, (await after.GetAsync(taken[0].TaskId))!.Status);
        Assert.Equal("p-19-9", (await after.GetAsync(ids[^1]))!.ProductId);
        var stats = await after.GetStatsAsync();
        Assert.Equal((200L, 1L), (stats.Enqueued, stats.Completed));
    }
}
