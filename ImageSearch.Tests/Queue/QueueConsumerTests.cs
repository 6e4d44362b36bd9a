using System.Collections.Concurrent;
using ImageSearch.Indexing.Queue;
using ImageSearch.Tests.Infrastructure;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using StackExchange.Redis;

namespace ImageSearch.Tests.Queue;

// The worker loop hosted in-process against real servers.
public class QueueConsumerTests
{
    private static NewTask Task(int i) => new($"product-{i}", $"images/{i}.jpg", null);

    [Theory]
    [ClassData(typeof(QueueServers))]
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
        await queue.EnqueueBatchAsync([.. Enumerable.Range(0, 1000).Select(Task)]);
        await queue.EnqueueBatchAsync([.. Enumerable.Range(1000, 1000).Select(Task)]);

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
        Assert.Equal((0L, 0L), (stats.Recovered, stats.Refused));
        Assert.Equal(expectedCompleted, completions.Keys.ToHashSet());
        Assert.All(completions.Values, count => Assert.Equal(1, count));
        var dead = new List<TaskRecord>();
        for (var offset = 0; offset < expectedDead.Count; offset += TaskQueue.MaxPageSize)
        {
            dead.AddRange(await queue.ListDeadAsync(offset, TaskQueue.MaxPageSize));
        }

        Assert.Equal(expectedDead, dead.Select(d => d.ProductId).ToHashSet());
        Assert.Equal(expectedDead.Count, dead.Count);
        Assert.All(dead, d => Assert.Equal(3, d.Attempts));
        Assert.Equal(expectedCompleted.Count, consumers.Sum(c => c.Counters.TasksProcessed));
        Assert.Equal(expectedDead.Count, consumers.Sum(c => c.Counters.TasksFailed));
        Assert.Empty(await new WorkerRegistry(test.Connection).GetLiveWorkersAsync());
    }

    [Theory]
    [ClassData(typeof(QueueServers))]
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
    [ClassData(typeof(QueueServers))]
    public async Task A_task_whose_acknowledgement_was_lost_is_taken_again_although_its_worker_lives_on(RedisServerKind kind)
    {
        await using var test = await QueueTestServer.StartAsync(kind);
        var queue = test.Queue();
        var processor = new CountingProcessor();
        var consumer = await test.ConsumerAsync("w", processor);
        using var stop = new CancellationTokenSource();
        var run = consumer.RunAsync(stop.Token);
        await Eventually.HoldsAsync(async () => (await new WorkerRegistry(test.Connection).GetLiveWorkersAsync()).Count == 1, "the worker runs");

        // What the running worker "w" leaves when it took a task and its acknowledgement never arrived (a blip, a lost
        // reply, an AOF that kept the take but not the ack): the task processing under a lease nobody renews.
        var id = "lost-ack";
        await test.Db.HashSetAsync(QueueKeys.Task(id),
        [
            new("task_id", id), new("request", $$"""{"product_id":"p","image_path":"a.jpg","created_at":"{{DateTimeOffset.UtcNow:O}}"}"""),
            new("sequence", 1), new("status", "processing"), new("worker_id", "w"), new("attempts", 1), new("recoveries", 0), new("lease", "lost")
        ]);
        await test.Db.SortedSetAddAsync(QueueKeys.Active, id, DateTimeOffset.UtcNow.AddMilliseconds(300).ToUnixTimeMilliseconds());

        await Eventually.HoldsAsync(async () => (await queue.GetAsync(id))!.Status == TaskStatuses.Completed, "the task is completed");
        await stop.CancelAsync();
        await run;

        var record = (await queue.GetAsync(id))!;
        Assert.Equal((2, 1), (record.Attempts, record.Recoveries));
        Assert.Equal(1, processor.Completed[id]);
        var stats = await queue.GetStatsAsync();
        Assert.Equal((1L, 1L, 0L), (stats.Completed, stats.Recovered, stats.Processing));
    }

    [Theory]
    [ClassData(typeof(QueueServers))]
    public async Task A_timed_out_batch_is_retried_only_once_its_processor_has_stopped(RedisServerKind kind)
    {
        await using var test = await QueueTestServer.StartAsync(kind);
        var events = new ConcurrentQueue<string>();
        var calls = 0;
        var processor = new DelegateProcessor(async (tasks, token) =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                events.Enqueue("first started");
                await System.Threading.Tasks.Task.Delay(Timeout.Infinite, token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                // A write already on the wire when the token fired still lands; a retry must not run before it.
                await System.Threading.Tasks.Task.Delay(300, CancellationToken.None);
                events.Enqueue("first wrote its result");
                token.ThrowIfCancellationRequested();
            }

            events.Enqueue("retry started");
            return tasks.ToDictionary(t => t.TaskId, _ => TaskOutcome.Success());
        });
        var options = new QueueOptions { RetryBaseDelay = TimeSpan.FromMilliseconds(1), RetryJitter = 0 };
        var consumer = await test.ConsumerAsync("slow", processor, options, o => o.TaskTimeout = TimeSpan.FromMilliseconds(200));
        var helper = await test.ConsumerAsync("helper", processor, options);
        var queue = test.Queue(options);
        var id = (await queue.EnqueueAsync(Task(1))).TaskId;

        using var stop = new CancellationTokenSource();
        var run = consumer.RunAsync(stop.Token);
        await Eventually.HoldsAsync(() => System.Threading.Tasks.Task.FromResult(!events.IsEmpty), "the first attempt starts");
        var helping = helper.RunAsync(stop.Token);
        await Eventually.HoldsAsync(async () => (await queue.GetAsync(id))!.Status == TaskStatuses.Completed, "the retry completes the task");
        await stop.CancelAsync();
        await System.Threading.Tasks.Task.WhenAll(run, helping);

        Assert.Equal(["first started", "first wrote its result", "retry started"], events);
        var record = (await queue.GetAsync(id))!;
        Assert.Equal(2, record.Attempts);
        Assert.StartsWith("Timed out after 0.2 s", Assert.Single(record.History, h => h.Event == "retry_scheduled").Error);
    }

    [Theory]
    [ClassData(typeof(QueueServers))]
    public async Task A_processor_that_ignores_its_cancellation_is_abandoned_after_a_lease_and_the_worker_goes_on(RedisServerKind kind)
    {
        await using var test = await QueueTestServer.StartAsync(kind);
        var logs = new FakeLogCollector();
        var hang = new TaskCompletionSource();
        var processor = new DelegateProcessor(async (tasks, _) =>
        {
            if (tasks.Any(t => t.ProductId == "product-1"))
            {
                await hang.Task;
            }

            return tasks.ToDictionary(t => t.TaskId, _ => TaskOutcome.Success());
        });
        var options = new QueueOptions { RetryBaseDelay = TimeSpan.FromHours(1), RetryMaxDelay = TimeSpan.FromHours(1) };
        var consumer = await test.ConsumerAsync("stubborn", processor, options,
            o => (o.TaskTimeout, o.LeaseDuration) = (TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(500)),
            new FakeLogger<QueueConsumer>(logs));
        var queue = test.Queue(options);
        var stuck = (await queue.EnqueueAsync(Task(1))).TaskId;
        var next = (await queue.EnqueueAsync(Task(2))).TaskId;

        using var stop = new CancellationTokenSource();
        var run = consumer.RunAsync(stop.Token);
        await Eventually.HoldsAsync(async () => (await queue.GetAsync(next))!.Status == TaskStatuses.Completed, "the next task is completed");
        await stop.CancelAsync();
        await run;
        hang.SetResult();

        var record = (await queue.GetAsync(stuck))!;
        Assert.Equal((TaskStatuses.Delayed, 1), (record.Status, record.Attempts));
        Assert.Contains("TASK_TIMEOUT", record.Error);
        Assert.Contains(logs.GetSnapshot(), log => log.Level == LogLevel.Error && log.Message.Contains("ignores its cancellation"));
    }

    [Fact]
    public async Task An_idle_worker_blocks_on_a_connection_of_its_own_for_longer_than_the_client_timeout_without_an_error()
    {
        await using var test = await QueueTestServer.StartAsync(RedisServerKind.Redis);
        var logs = new FakeLogCollector();
        // The client gives up on a command after 300 ms; the worker waits a second at a time for tasks.
        var consumer = await test.ConsumerAsync("patient", new CountingProcessor(), configure: o => o.PollInterval = TimeSpan.FromSeconds(1),
            logger: new FakeLogger<QueueConsumer>(logs), connectionOptions: "asyncTimeout=300,syncTimeout=300");
        var server = test.Connection.GetServer(test.Connection.GetEndPoints()[0]);

        using var stop = new CancellationTokenSource();
        var run = consumer.RunAsync(stop.Token);
        await Eventually.HoldsAsync(async () => BlockedWaits(await server.ExecuteAsync("CLIENT", "LIST")) > 0, "the worker blocks for tasks");
        await Eventually.HoldsAsync(async () => Calls(await server.InfoAsync("commandstats"), "cmdstat_blmove") >= 3, "it has waited three times");
        var id = (await test.Queue().EnqueueAsync(Task(1))).TaskId;
        await Eventually.HoldsAsync(async () => (await test.Queue().GetAsync(id))!.Status == TaskStatuses.Completed, "the task is completed");
        await stop.CancelAsync();
        await run;

        Assert.DoesNotContain(logs.GetSnapshot(), log => log.Level >= LogLevel.Warning);
        // Nothing was taken by the waits themselves: the task went through one take.
        Assert.Equal(1, (await test.Queue().GetAsync(id))!.Attempts);

        static int BlockedWaits(RedisResult clients) => ((string)clients!).Split('\n')
            .Count(client => client.Contains("name=imagesearch-queue-wait", StringComparison.Ordinal) && client.Contains("cmd=blmove", StringComparison.Ordinal));

        static long Calls(IGrouping<string, KeyValuePair<string, string>>[] info, string command) =>
            info.SelectMany(group => group).Where(stat => stat.Key == command)
                .Select(stat => long.Parse(stat.Value.Split(',')[0]["calls=".Length..])).SingleOrDefault();
    }

    [Theory]
    [ClassData(typeof(QueueServers))]
    public async Task A_processor_that_throws_fails_its_batch_as_transient_with_a_stable_reason(RedisServerKind kind)
    {
        await using var test = await QueueTestServer.StartAsync(kind);
        var processor = new DelegateProcessor((_, _) => throw new InvalidOperationException("secret path /srv/x failed"));
        var options = new QueueOptions { RetryBaseDelay = TimeSpan.FromHours(1), RetryMaxDelay = TimeSpan.FromHours(1) };
        var consumer = await test.ConsumerAsync("thrower", processor, options);
        var queue = test.Queue(options);
        var id = (await queue.EnqueueAsync(Task(1))).TaskId;

        using var stop = new CancellationTokenSource();
        var run = consumer.RunAsync(stop.Token);
        await Eventually.HoldsAsync(async () => (await queue.GetAsync(id))!.Status == TaskStatuses.Delayed, "the task waits for a retry");
        await stop.CancelAsync();
        await run;

        Assert.Equal("The worker's processor failed; see the worker's log.", (await queue.GetAsync(id))!.Error);
    }

    [Theory]
    [ClassData(typeof(QueueServers))]
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
        Assert.Equal(0, await test.Db.SortedSetLengthAsync(QueueKeys.Active));
        Assert.False(await test.Db.KeyExistsAsync(QueueKeys.WorkerStatus("graceful")));
    }

    [Theory]
    [ClassData(typeof(QueueServers))]
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
        Assert.Equal(0, await test.Db.SortedSetLengthAsync(QueueKeys.Active));
        Assert.False(await test.Db.KeyExistsAsync(QueueKeys.WorkerStatus("impatient")));
        Assert.Equal(0, await test.Db.SortedSetLengthAsync(QueueKeys.Workers));
    }
}
