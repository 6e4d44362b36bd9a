using ImageSearch.Indexing.Queue;
using ImageSearch.Tests.Infrastructure;

namespace ImageSearch.Tests.Queue;

// With the append-only file on, a server restart loses no acknowledged enqueue or transition.
public class ServerRestartTests
{
    [Theory]
    [ClassData(typeof(SingleQueueServers))]
    public async Task Acknowledged_enqueues_and_leases_survive_a_server_restart(RedisServerKind kind)
    {
        await using var test = await QueueTestServer.StartAsync(kind);
        var queue = test.Queue();
        var ids = new List<string>();
        for (var i = 0; i < 20; i++)
        {
            ids.AddRange((await queue.EnqueueBatchAsync([.. Enumerable.Range(0, 10).Select(j => new NewTask($"p-{i}-{j}", "a.jpg", null))])).Select(r => r.TaskId));
        }

        var lease = TimeSpan.FromMinutes(5);
        var batch = await queue.TakeAsync("w1", 3, lease);
        await queue.FinishAsync(batch, [TaskQueueTests.Completed(batch.Tasks[0])], 0, lease);

        await test.SingleServer.StopAsync();
        await test.SingleServer.StartAsync();
        await using var reconnected = await test.SingleServer.ConnectAsync();
        var after = test.Queue(connection: reconnected);

        Assert.Equal(ids.Skip(3), (await reconnected.GetDatabase().ListRangeAsync(QueueKeys.Pending)).Select(v => v.ToString()));
        Assert.Equal(batch.Tasks.Skip(1).Select(t => t.TaskId).Order(),
            (await reconnected.GetDatabase().SortedSetRangeByRankAsync(QueueKeys.Active)).Select(v => v.ToString()).Order());
        Assert.Equal(TaskStatuses.Completed, (await after.GetAsync(batch.Tasks[0].TaskId))!.Status);
        Assert.Equal("p-19-9", (await after.GetAsync(ids[^1]))!.ProductId);
        // The lease is still the holder's: it can finish what it took before the restart.
        Assert.Equal([TaskDisposition.Completed], (await after.FinishAsync(batch, [TaskQueueTests.Completed(batch.Tasks[1])], 0, lease)).Dispositions);
        var stats = await after.GetStatsAsync();
        Assert.Equal((200L, 2L), (stats.Enqueued, stats.Completed));
    }

    [Theory]
    [ClassData(typeof(QueueServers))]
    public async Task The_scripts_run_again_after_the_server_forgets_them(RedisServerKind kind)
    {
        await using var test = await QueueTestServer.StartAsync(kind);
        var queue = test.Queue();
        await queue.EnqueueAsync(new NewTask("p-1", "a.jpg", null));

        // As a restart without persistence of the script cache, or an operator's SCRIPT FLUSH, leaves it.
        var admin = await test.ConnectAsync("allowAdmin=true");
        foreach (var server in admin.GetServers())
        {
            await server.ScriptFlushAsync();
        }

        // Each call below is sent by its SHA-1 first, answered NOSCRIPT, and sent again with its source.
        await queue.EnqueueAsync(new NewTask("p-2", "a.jpg", null));
        var batch = await queue.TakeAsync("w1", 2, TimeSpan.FromMinutes(1));
        Assert.Equal(["p-1", "p-2"], batch.Tasks.Select(t => t.ProductId));
        Assert.Equal(2L, (await queue.GetStatsAsync()).Enqueued);
    }

    // redis-server only: Garnet replays its append-only file entry by entry and acknowledges before the entries are
    // written (unless --aof-commit-wait, which made a 1000-task enqueue take over 5 s), so a crash can keep part of a
    // script's effects there. Seen: 65 records kept whose ids had left the pending list.
    [Fact]
    public async Task A_flush_cut_short_by_a_server_crash_leaves_every_task_where_it_was_or_gone()
    {
        await using var test = await QueueTestServer.StartAsync(RedisServerKind.Redis);
        var queue = test.Queue();
        const int count = 30_000;
        for (var i = 0; i < count; i += 1000)
        {
            await queue.EnqueueBatchAsync([.. Enumerable.Range(i, 1000).Select(j => TaskQueueTests.Task(j, deduplicate: true))]);
        }

        var flush = queue.FlushAsync(FlushScope.Pending);
        await Eventually.HoldsAsync(async () => flush.IsCompleted || await test.Db.ListLengthAsync(QueueKeys.Pending) < count,
            "the flush has begun");
        await test.SingleServer.KillAsync();
        await Assert.ThrowsAnyAsync<Exception>(() => flush);

        await test.SingleServer.StartAsync();
        await using var reconnected = await test.SingleServer.ConnectAsync();
        var db = reconnected.GetDatabase();
        var pending = (await db.ListRangeAsync(QueueKeys.Pending)).Select(v => v.ToString()).ToHashSet();
        Assert.InRange(pending.Count, 1, count - 1);
        var tasks = new List<string>();
        await foreach (var key in reconnected.GetServer(reconnected.GetEndPoints()[0]).KeysAsync(pattern: QueueKeys.TaskPrefix + "*", pageSize: 1000))
        {
            tasks.Add(key.ToString()[QueueKeys.TaskPrefix.Length..]);
        }

        // Every record left is a pending task still in the list, and every list entry has its record.
        Assert.Equal((pending.Count, 0, 0), (tasks.Count, pending.Except(tasks).Count(), tasks.Except(pending).Count()));
        var entries = await db.HashGetAllAsync(QueueKeys.Deduplication);
        Assert.Equal(pending, entries.Select(e => e.Value.ToString()).ToHashSet());
        var stats = await test.Queue(connection: reconnected).GetStatsAsync();
        Assert.Equal(count, stats.Flushed + pending.Count);
    }
}
