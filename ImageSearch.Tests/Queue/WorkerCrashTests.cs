using ImageSearch.Indexing.Queue;
using ImageSearch.Tests.Infrastructure;

namespace ImageSearch.Tests.Queue;

// Workers that die for real (their process killed) lose nothing.
public class WorkerCrashTests
{
    private static NewTask Task(int i) => new($"product-{i}", $"images/{i}.jpg", null);

    [Theory]
    [ClassData(typeof(QueueServers))]
    public async Task The_batch_of_a_worker_killed_mid_batch_is_recovered_and_completed_once_by_another(RedisServerKind kind)
    {
        await using var test = await QueueTestServer.StartAsync(kind);
        var queue = test.Queue();
        var ids = (await queue.EnqueueBatchAsync([.. Enumerable.Range(0, 20).Select(Task)])).Select(r => r.TaskId).ToList();

        string[] batch;
        await using (var doomed = QueueWorkerProcess.Start(test.Server.ConnectionString, "doomed", 5, TimeSpan.FromSeconds(1), 3, "hang"))
        {
            batch = (await doomed.WaitForLineAsync("TOOK ")).Split(' ')[1].Split(',');
            Assert.Equal(ids.Take(5), batch);
            Assert.Equal(batch.Order(), (await test.Db.SortedSetRangeByRankAsync(QueueKeys.Active)).Select(v => v.ToString()).Order());
            await doomed.KillAsync();
        }

        var processor = new CountingProcessor();
        var rescuer = await test.ConsumerAsync("rescuer", processor, configure: o => o.BatchSize = 3);
        using var stop = new CancellationTokenSource();
        var run = rescuer.RunAsync(stop.Token);
        await Eventually.HoldsAsync(async () => (await queue.GetStatsAsync()).Completed == 20, "all 20 tasks are completed");
        await stop.CancelAsync();
        await run;

        Assert.Equal(ids.ToHashSet(), processor.Completed.Keys.ToHashSet());
        Assert.All(processor.Completed.Values, count => Assert.Equal(1, count));
        foreach (var id in batch)
        {
            var record = (await queue.GetAsync(id))!;
            Assert.Equal((TaskStatuses.Completed, 1, 2, "rescuer"), (record.Status, record.Recoveries, record.Attempts, record.WorkerId));
            Assert.Contains(record.History, h => h.Event == "recovered" && h.WorkerId == "doomed");
        }

        var stats = await queue.GetStatsAsync();
        Assert.Equal((20L, 0L, 5L, 0L, 0L), (stats.Completed, stats.Failed, stats.Recovered, stats.Pending, stats.Processing));
    }

    [Theory]
    [ClassData(typeof(QueueServers))]
    public async Task A_worker_sent_SIGTERM_mid_batch_returns_its_batch_removes_its_heartbeat_and_exits(RedisServerKind kind)
    {
        await using var test = await QueueTestServer.StartAsync(kind);
        var queue = test.Queue();
        var ids = (await queue.EnqueueBatchAsync([.. Enumerable.Range(0, 6).Select(Task)])).Select(r => r.TaskId).ToList();

        await using var worker = QueueWorkerProcess.Start(test.Server.ConnectionString, "stopping", 4, TimeSpan.FromSeconds(30), 3, "hang");
        Assert.Equal(ids.Take(4), (await worker.WaitForLineAsync("TOOK ")).Split(' ')[1].Split(','));
        worker.Terminate();
        await worker.WaitForLineAsync("STOPPED");
        await worker.WaitForExitAsync();

        Assert.Equal(0, worker.ExitCode);
        Assert.Equal(ids, (await test.Db.ListRangeAsync(QueueKeys.Pending)).Select(v => v.ToString()));
        foreach (var id in ids)
        {
            var record = (await queue.GetAsync(id))!;
            Assert.Equal((TaskStatuses.Pending, 0), (record.Status, record.Attempts));
        }

        Assert.Equal(0, await test.Db.SortedSetLengthAsync(QueueKeys.Active));
        Assert.False(await test.Db.KeyExistsAsync(QueueKeys.WorkerStatus("stopping")));
        Assert.Null(await test.Db.SortedSetScoreAsync(QueueKeys.Workers, "stopping"));
    }

    [Theory]
    [ClassData(typeof(QueueServers))]
    public async Task A_task_that_always_crashes_its_worker_is_dead_lettered_after_the_set_recoveries_and_the_rest_flow(RedisServerKind kind)
    {
        await using var test = await QueueTestServer.StartAsync(kind);
        var queue = test.Queue();
        var poison = (await queue.EnqueueAsync(new NewTask("poison", "images/poison.jpg", null))).TaskId;
        var others = (await queue.EnqueueBatchAsync([.. Enumerable.Range(0, 10).Select(Task)])).Select(r => r.TaskId).ToList();

        // A supervisor restarts the worker each time it dies.
        var crashes = 0;
        while ((await queue.GetAsync(poison))!.Status != TaskStatuses.Dead)
        {
            Assert.True(crashes < 10, "the poison task was never dead-lettered");
            await using var worker = QueueWorkerProcess.Start(test.Server.ConnectionString, "crashy", 1, TimeSpan.FromMilliseconds(500), 2, "poison");
            var exited = worker.WaitForExitAsync();
            var crashed = worker.WaitForLineAsync("CRASH");
            var poisonGone = Eventually.HoldsAsync(async () => (await queue.GetAsync(poison))!.Status == TaskStatuses.Dead, "the poison task is dead");
            if (await System.Threading.Tasks.Task.WhenAny(crashed, poisonGone) == crashed)
            {
                await exited;
                crashes++;
                continue;
            }

            await Eventually.HoldsAsync(async () => (await queue.GetStatsAsync()).Completed == 10, "the other tasks are completed");
        }

        Assert.Equal(3, crashes);
        var record = (await queue.GetAsync(poison))!;
        Assert.Equal(3, record.Recoveries);
        Assert.StartsWith("poison", record.Error);
        Assert.Equal([poison], (await test.Db.ListRangeAsync(QueueKeys.Dead)).Select(v => v.ToString()));
        foreach (var id in others)
        {
            Assert.Equal(TaskStatuses.Completed, (await queue.GetAsync(id))!.Status);
        }

        var stats = await queue.GetStatsAsync();
        Assert.Equal((10L, 1L, 1L), (stats.Completed, stats.Failed, stats.Poisoned));
    }
}
