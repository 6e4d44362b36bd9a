using System.Collections.Concurrent;
using ImageSearch.Indexing.Queue;
using ImageSearch.Tests.Infrastructure;

namespace ImageSearch.Tests.Queue;

// The worker loop hosted in-process against real servers.
public class QueueConsumerTests
{
    private static NewTask Task(int i) => new($"product-{i}", $"images/{i}.jpg", null);

    [Theory]
    [InlineData(RedisServerKind.Redis)]
    [InlineData(RedisServerKind.Garnet)]
    public async Task Four_consumers_finish_2000_tasks_with_transient_failures_exactly_as_their_failures_dictate(RedisServerKind kind)
    {
        await using var test = await QueueTestServer.StartAsync(kind);
        var options = new QueueOptions
        {
            RetryBaseDelay = TimeSpan.FromMilliseconds(5),
            RetryMaxDelay = TimeSpan.FromMilliseconds(20),
            MaxAttempts = 3
        };
        var random = new Random(2026);
        // How many times each product fails before it works; 3 or more never works within 3 attempts.
        var failuresPlanned = Enumerable.Range(0, 2000).ToDictionary(i => $"product-{i}", _ => random.Next(10) switch
        {
            < 6 => 0,
            6 => 1,
            7 => 2,
            _ => 3
        });
        var attemptsSeen = new ConcurrentDictionary<string, int>();
        var completions = new ConcurrentDictionary<string, int>();
        var processor = new DelegateProcessor((tasks, _) =>
        {
            IReadOnlyDictionary<string, TaskOutcome> outcomes = tasks.ToDictionary(t => t.TaskId, t =>
            {
                var attempt = attemptsSeen.AddOrUpdate(t.ProductId, 1, (_, n) => n + 1);
                if (attempt <= failuresPlanned[t.ProductId])
                {
                    return TaskOutcome.Transient($"planned failure {attempt}");
                }

                completions.AddOrUpdate(t.ProductId, 1, (_, n) => n + 1);
                return TaskOutcome.Success();
            });
            return System.Threading.Tasks.Task.FromResult(outcomes);
        });
        var queue = test.Queue(options);
        await queue.EnqueueBatchAsync([.. Enumerable.Range(0, 2000).Select(Task)]);

        var consumers = new List<QueueConsumer>();
        foreach (var (batchSize, i) in new[] { 1, 5, 10, 20 }.Select((b, i) => (b, i)))
        {
            consumers.Add(await test.ConsumerAsync($"w{i}", processor, options, o => o.BatchSize = batchSize));
        }

        using var stop = new CancellationTokenSource();
        var runs = consumers.Select(c => c.RunAsync(stop.Token)).ToList();
        await Eventually.HoldsAsync(async () =>
        {
            var s = await queue.GetStatsAsync();
            return s.Completed + s.Failed == 2000;
        }, "every task is completed or dead", TimeSpan.FromMinutes(3));
        await stop.CancelAsync();
        await System.Threading.Tasks.Task.WhenAll(runs);

        var expectedDead = failuresPlanned.Where(p => p.Value >= 3).Select(p => p.Key).ToHashSet();
        var expectedCompleted = failuresPlanned.Keys.Where(k => !expectedDead.Contains(k)).ToHashSet();
        var stats = await queue.GetStatsAsync();
        Assert.Equal((0L, 0L, 0L), (stats.Pending, stats.Processing, stats.Delayed));
        Assert.Equal((expectedCompleted.Count, expectedDead.Count), ((int)stats.Completed, (int)stats.Failed));
        Assert.Equal(failuresPlanned.Values.Sum(f => Math.Min(f, 2)), stats.Retried);
        Assert.Equal(expectedCompleted, completions.Keys.ToHashSet());
        Assert.All(completions.Values, count => Assert.Equal(1, count));
        var dead = await queue.ListDeadAsync(0, 2000);
        Assert.Equal(expectedDead, dead.Select(d => d.ProductId).ToHashSet());
        Assert.Equal(expectedDead.Count, dead.Count);
        Assert.All(dead, d => Assert.Equal(3, d.Attempts));
        Assert.Equal(expectedCompleted.Count, consumers.Sum(c => c.Counters.TasksProcessed));
        Assert.Equal(expectedDead.Count, consumers.Sum(c => c.Counters.TasksFailed));
        Assert.Empty(await new WorkerRegistry(test.Connection).GetLiveWorkersAsync());
    }

    [Theory]
    [InlineData(RedisServerKind.Redis)]
    [InlineData(RedisServerKind.Garnet)]
    public async Task Heartbeats_report_the_workers_counters_and_status(RedisServerKind kind)
    {
        await using var test = await QueueTestServer.StartAsync(kind);
        var processor = new CountingProcessor();
        var consumer = await test.ConsumerAsync("reporter", processor);
        await test.Queue().EnqueueBatchAsync([Task(1), Task(2), Task(3)]);
        var registry = new WorkerRegistry(test.Connection);

        using var stop = new CancellationTokenSource();
        var run = consumer.RunAsync(stop.Token);
        await Eventually.HoldsAsync(async () =>
            (await registry.GetLiveWorkersAsync()) is [{ TasksProcessed: 3, Status: "idle", WorkerId: "reporter" }],
            "the heartbeat shows three tasks processed");
        await stop.CancelAsync();
        await run;

        Assert.Empty(await registry.GetLiveWorkersAsync());
        Assert.False(await test.Db.KeyExistsAsync(QueueKeys.WorkerStatus("reporter")));
    }

    [Theory]
    [InlineData(RedisServerKind.Redis)]
    [InlineData(RedisServerKind.Garnet)]
    public async Task A_batch_that_exceeds_the_task_timeout_fails_as_transient(RedisServerKind kind)
    {
        await using var test = await QueueTestServer.StartAsync(kind);
        // Ignores its token on purpose: the consumer must not wait for it anyway.
        var processor = new DelegateProcessor(async (_, _) =>
        {
            await System.Threading.Tasks.Task.Delay(Timeout.Infinite, CancellationToken.None);
            return new Dictionary<string, TaskOutcome>();
        });
        var options = new QueueOptions { RetryBaseDelay = TimeSpan.FromHours(1), RetryMaxDelay = TimeSpan.FromHours(1) };
        var consumer = await test.ConsumerAsync("slow", processor, options, o => o.TaskTimeout = TimeSpan.FromMilliseconds(300));
        var queue = test.Queue(options);
        var id = (await queue.EnqueueAsync(Task(1))).TaskId;

        using var stop = new CancellationTokenSource();
        var run = consumer.RunAsync(stop.Token);
        await Eventually.HoldsAsync(async () => (await queue.GetAsync(id))!.Status == TaskStatuses.Delayed, "the task waits for a retry");
        await stop.CancelAsync();
        await run;

        var record = (await queue.GetAsync(id))!;
        Assert.Contains("Timed out", record.Error);
        Assert.Equal(1, record.Attempts);
        Assert.Equal(1, (await queue.GetStatsAsync()).Retried);
    }

    [Theory]
    [InlineData(RedisServerKind.Redis)]
    [InlineData(RedisServerKind.Garnet)]
    public async Task On_stop_the_batch_in_hand_finishes_within_the_grace_period(RedisServerKind kind)
    {
        await using var test = await QueueTestServer.StartAsync(kind);
        var started = new TaskCompletionSource();
        var release = new TaskCompletionSource();
        var processor = new DelegateProcessor(async (tasks, _) =>
        {
            started.TrySetResult();
            await release.Task;
            return tasks.ToDictionary(t => t.TaskId, _ => TaskOutcome.Success());
        });
        var consumer = await test.ConsumerAsync("graceful", processor, configure: o => o.ShutdownGracePeriod = TimeSpan.FromMinutes(1));
        var queue = test.Queue();
        var ids = (await queue.EnqueueBatchAsync([Task(1), Task(2)])).Select(r => r.TaskId).ToList();

        using var stop = new CancellationTokenSource();
        var run = consumer.RunAsync(stop.Token);
        await started.Task;
        await stop.CancelAsync();
        release.SetResult();
        await run;

        Assert.Equal(TaskStatuses.Completed, (await queue.GetAsync(ids[0]))!.Status);
        // Asked to stop, it took nothing more.
        Assert.Equal(TaskStatuses.Pending, (await queue.GetAsync(ids[1]))!.Status);
        Assert.Equal(0, await test.Db.ListLengthAsync(QueueKeys.Processing("graceful")));
        Assert.False(await test.Db.KeyExistsAsync(QueueKeys.WorkerStatus("graceful")));
    }

    [Theory]
    [InlineData(RedisServerKind.Redis)]
    [InlineData(RedisServerKind.Garnet)]
    public async Task On_stop_a_batch_still_running_after_the_grace_period_goes_back_to_the_head_of_the_queue(RedisServerKind kind)
    {
        await using var test = await QueueTestServer.StartAsync(kind);
        var started = new TaskCompletionSource();
        var processor = new DelegateProcessor(async (_, token) =>
        {
            started.TrySetResult();
            await System.Threading.Tasks.Task.Delay(Timeout.Infinite, token);
            return new Dictionary<string, TaskOutcome>();
        });
        var consumer = await test.ConsumerAsync("impatient", processor,
            configure: o => (o.BatchSize, o.ShutdownGracePeriod) = (2, TimeSpan.FromMilliseconds(200)));
        var queue = test.Queue();
        var ids = (await queue.EnqueueBatchAsync([Task(1), Task(2), Task(3)])).Select(r => r.TaskId).ToList();

        using var stop = new CancellationTokenSource();
        var run = consumer.RunAsync(stop.Token);
        await started.Task;
        await stop.CancelAsync();
        await run;

        Assert.Equal(ids, (await test.Db.ListRangeAsync(QueueKeys.Pending)).Select(v => v.ToString()));
        var returned = (await queue.GetAsync(ids[0]))!;
        Assert.Equal((TaskStatuses.Pending, 0), (returned.Status, returned.Attempts));
        Assert.Equal(0, await test.Db.ListLengthAsync(QueueKeys.Processing("impatient")));
        Assert.False(await test.Db.KeyExistsAsync(QueueKeys.WorkerStatus("impatient")));
        Assert.Equal(0, await test.Db.SortedSetLengthAsync(QueueKeys.Workers));
    }
}
