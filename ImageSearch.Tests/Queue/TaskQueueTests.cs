using System.Diagnostics;
using ImageSearch.Indexing.Queue;
using ImageSearch.Tests.Infrastructure;
using StackExchange.Redis;

namespace ImageSearch.Tests.Queue;

// The queue's transitions, each run against a fresh redis-server and a fresh Garnet.
public class TaskQueueTests
{
    private static readonly TimeSpan NoWait = TimeSpan.FromMilliseconds(50);

    private static NewTask Task(int i, bool deduplicate = false) =>
        new($"product-{i}", $"images/{i}.jpg", null, $"Product {i}", Deduplicate: deduplicate);

    [Theory]
    [InlineData(RedisServerKind.Redis)]
    [InlineData(RedisServerKind.Garnet)]
    public async Task Tasks_are_dequeued_in_enqueue_order_up_to_the_batch_size(RedisServerKind kind)
    {
        await using var test = await QueueTestServer.StartAsync(kind);
        var queue = test.Queue();

        var enqueued = await queue.EnqueueBatchAsync([.. Enumerable.Range(0, 25).Select(i => Task(i))]);
        Assert.Equal(25, await test.Db.ListLengthAsync(QueueKeys.Pending));
        Assert.Equal(25, enqueued[^1].QueueLength);

        var first = await queue.DequeueAsync("w1", 10, NoWait);
        var second = await queue.DequeueAsync("w1", 10, NoWait);
        var third = await queue.DequeueAsync("w1", 10, NoWait);
        var empty = await queue.DequeueAsync("w1", 10, NoWait);

        Assert.Equal([10, 10, 5, 0], new[] { first.Count, second.Count, third.Count, empty.Count });
        Assert.Equal(enqueued.Select(e => e.TaskId), first.Concat(second).Concat(third).Select(t => t.TaskId));
        Assert.Equal(25, await test.Db.ListLengthAsync(QueueKeys.Processing("w1")));
        var record = await queue.GetAsync(first[0].TaskId);
        Assert.Equal((TaskStatuses.Processing, "w1", 1), (record!.Status, record.WorkerId, record.Attempts));
        Assert.NotNull(record.StartedAt);
    }

    [Theory]
    [InlineData(RedisServerKind.Redis)]
    [InlineData(RedisServerKind.Garnet)]
    public async Task A_completed_task_keeps_its_request_trace_result_and_history_for_the_retention_period(RedisServerKind kind)
    {
        await using var test = await QueueTestServer.StartAsync(kind);
        var queue = test.Queue(new QueueOptions { Retention = TimeSpan.FromHours(2) });
        using var caller = new Activity("caller").SetIdFormat(ActivityIdFormat.W3C).Start();
        caller.TraceStateString = "vendor=1";

        var metadata = new Dictionary<string, string> { ["color"] = "red", ["price"] = "9.5", ["in_stock"] = "true" };
        var enqueued = await queue.EnqueueAsync(new NewTask("p-1", null, "https://example.com/a.jpg", "Shoe", "A red shoe", metadata));
        var taken = Assert.Single(await queue.DequeueAsync("w1", 1, NoWait));
        Assert.Equal(caller.Id, taken.TraceParent);
        Assert.Equal("vendor=1", taken.TraceState);
        Assert.Equal(metadata, taken.Metadata);
        Assert.Equal(("https://example.com/a.jpg", "Shoe", "A red shoe"), (taken.ImageUrl, taken.Name, taken.Description));

        Assert.True(await queue.CompleteAsync("w1", taken, new Dictionary<string, string> { ["point_id"] = "42" }, TimeSpan.FromMilliseconds(1234)));

        var record = (await queue.GetAsync(enqueued.TaskId))!;
        Assert.Equal(TaskStatuses.Completed, record.Status);
        Assert.Equal("42", record.Result!["point_id"]);
        Assert.Equal(1234, record.DurationMs);
        Assert.NotNull(record.FinishedAt);
        Assert.Equal(["enqueued", "started", "completed"], record.History.Select(h => h.Event));
        Assert.Equal("w1", record.History[1].WorkerId);
        Assert.Equal(0, await test.Db.ListLengthAsync(QueueKeys.Processing("w1")));

        var ttl = await test.Db.KeyTimeToLiveAsync(QueueKeys.Task(enqueued.TaskId));
        Assert.InRange(ttl!.Value, TimeSpan.FromHours(2) - TimeSpan.FromMinutes(1), TimeSpan.FromHours(2));
        Assert.NotNull(await test.Db.KeyTimeToLiveAsync(QueueKeys.TaskHistory(enqueued.TaskId)));
        Assert.Null(await test.Db.KeyTimeToLiveAsync(QueueKeys.Stats));
    }

    [Theory]
    [InlineData(RedisServerKind.Redis)]
    [InlineData(RedisServerKind.Garnet)]
    public async Task Counters_and_places_add_up_after_completions_retries_and_dead_letters(RedisServerKind kind)
    {
        await using var test = await QueueTestServer.StartAsync(kind);
        var queue = test.Queue(new QueueOptions { RetryBaseDelay = TimeSpan.FromHours(1) });
        await queue.EnqueueBatchAsync([.. Enumerable.Range(0, 6).Select(i => Task(i))]);
        var batch = await queue.DequeueAsync("w1", 5, NoWait);

        foreach (var task in batch.Take(3))
        {
            await queue.CompleteAsync("w1", task, new Dictionary<string, string>(), TimeSpan.Zero);
        }

        Assert.Equal(FailureDisposition.DeadLettered, await queue.FailAsync("w1", batch[3], "unreadable image", permanent: true));
        Assert.Equal(FailureDisposition.RetryScheduled, await queue.FailAsync("w1", batch[4], "timeout", permanent: false));

        var stats = await queue.GetStatsAsync();
        Assert.Equal((1L, 0L, 1L, 1L), (stats.Pending, stats.Processing, stats.Delayed, stats.Dead));
        Assert.Equal((6L, 3L, 1L, 1L), (stats.Enqueued, stats.Completed, stats.Failed, stats.Retried));
        Assert.Equal(3 / 60.0, stats.ThroughputPerSecond, 6);

        var dead = Assert.Single(await queue.ListDeadAsync(0, 10));
        Assert.Equal((batch[3].TaskId, TaskStatuses.Dead, "unreadable image"), (dead.TaskId, dead.Status, dead.Error));
        Assert.Null(await test.Db.KeyTimeToLiveAsync(QueueKeys.Task(dead.TaskId)));
        var delayed = (await queue.GetAsync(batch[4].TaskId))!;
        Assert.Equal((TaskStatuses.Delayed, "timeout"), (delayed.Status, delayed.Error));
        Assert.NotNull(delayed.NextAttemptAt);
    }

    [Theory]
    [InlineData(RedisServerKind.Redis)]
    [InlineData(RedisServerKind.Garnet)]
    public async Task A_requeued_dead_letter_runs_again_with_its_attempts_reset(RedisServerKind kind)
    {
        await using var test = await QueueTestServer.StartAsync(kind);
        var queue = test.Queue();
        var id = (await queue.EnqueueAsync(Task(1))).TaskId;
        await queue.FailAsync("w1", (await queue.DequeueAsync("w1", 1, NoWait))[0], "bad", permanent: true);

        Assert.True(await queue.RequeueDeadAsync(id));
        Assert.False(await queue.RequeueDeadAsync(id));

        Assert.Equal(0, await test.Db.ListLengthAsync(QueueKeys.Dead));
        var again = Assert.Single(await queue.DequeueAsync("w1", 1, NoWait));
        Assert.Equal((id, 1), (again.TaskId, again.Attempts));
        Assert.Contains("requeued", (await queue.GetAsync(id))!.History.Select(h => h.Event));
    }

    [Theory]
    [InlineData(RedisServerKind.Redis)]
    [InlineData(RedisServerKind.Garnet)]
    public async Task Enqueuing_the_same_product_and_image_while_it_waits_returns_the_earlier_task(RedisServerKind kind)
    {
        await using var test = await QueueTestServer.StartAsync(kind);
        var queue = test.Queue();

        var first = await queue.EnqueueAsync(Task(1, deduplicate: true));
        var inSameBatch = await queue.EnqueueBatchAsync([Task(1, deduplicate: true), Task(2, deduplicate: true)]);
        var notAsked = await queue.EnqueueAsync(Task(1));

        Assert.Equal((first.TaskId, true), (inSameBatch[0].TaskId, inSameBatch[0].Duplicate));
        Assert.False(inSameBatch[1].Duplicate);
        Assert.NotEqual(first.TaskId, notAsked.TaskId);
        Assert.Equal(3, await test.Db.ListLengthAsync(QueueKeys.Pending));

        // While processing it is still a duplicate; once completed it is not.
        var taken = Assert.Single(await queue.DequeueAsync("w1", 1, NoWait));
        Assert.Equal(first.TaskId, (await queue.EnqueueAsync(Task(1, deduplicate: true))).TaskId);
        await queue.CompleteAsync("w1", taken, new Dictionary<string, string>(), TimeSpan.Zero);
        var after = await queue.EnqueueAsync(Task(1, deduplicate: true));
        Assert.False(after.Duplicate);
        Assert.NotEqual(first.TaskId, after.TaskId);
    }

    [Theory]
    [InlineData(RedisServerKind.Redis)]
    [InlineData(RedisServerKind.Garnet)]
    public async Task Only_waiting_tasks_can_be_cancelled(RedisServerKind kind)
    {
        await using var test = await QueueTestServer.StartAsync(kind);
        var queue = test.Queue();
        var ids = (await queue.EnqueueBatchAsync([Task(1), Task(2)])).Select(r => r.TaskId).ToList();
        var taken = Assert.Single(await queue.DequeueAsync("w1", 1, NoWait));

        Assert.False(await queue.CancelAsync(taken.TaskId));
        Assert.True(await queue.CancelAsync(ids[1]));
        Assert.False(await queue.CancelAsync("no-such-task"));

        Assert.Equal(TaskStatuses.Cancelled, (await queue.GetAsync(ids[1]))!.Status);
        Assert.Empty(await queue.DequeueAsync("w1", 1, NoWait));
    }

    [Theory]
    [InlineData(RedisServerKind.Redis)]
    [InlineData(RedisServerKind.Garnet)]
    public async Task Flush_deletes_pending_tasks_by_default_and_the_other_places_only_when_asked(RedisServerKind kind)
    {
        await using var test = await QueueTestServer.StartAsync(kind);
        var queue = test.Queue(new QueueOptions { RetryBaseDelay = TimeSpan.FromHours(1) });
        var ids = (await queue.EnqueueBatchAsync([.. Enumerable.Range(0, 5).Select(i => Task(i, deduplicate: true))])).Select(r => r.TaskId).ToList();
        var batch = await queue.DequeueAsync("w1", 2, NoWait);
        await queue.FailAsync("w1", batch[0], "later", permanent: false);

        Assert.Equal(3, await queue.FlushAsync(FlushScope.Pending));
        Assert.Null(await queue.GetAsync(ids[4]));
        Assert.False((await queue.EnqueueAsync(Task(4, deduplicate: true))).Duplicate);
        Assert.Equal(1, await test.Db.SortedSetLengthAsync(QueueKeys.Delayed));

        Assert.Equal(2, await queue.FlushAsync(FlushScope.All));
        Assert.Equal(0, await test.Db.SortedSetLengthAsync(QueueKeys.Delayed));
        Assert.Equal(TaskStatuses.Processing, (await queue.GetAsync(batch[1].TaskId))!.Status);
    }

    [Theory]
    [InlineData(RedisServerKind.Redis)]
    [InlineData(RedisServerKind.Garnet)]
    public async Task A_lapsed_workers_tasks_go_back_to_the_head_of_the_queue_in_order_and_its_late_results_are_dropped(RedisServerKind kind)
    {
        await using var test = await QueueTestServer.StartAsync(kind);
        var queue = test.Queue();
        var registry = new WorkerRegistry(test.Connection);
        var ids = (await queue.EnqueueBatchAsync([.. Enumerable.Range(0, 5).Select(i => Task(i))])).Select(r => r.TaskId).ToList();
        await registry.HeartbeatAsync(Status("w1"), TimeSpan.FromMinutes(1));
        var batch = await queue.DequeueAsync("w1", 3, NoWait);

        Assert.Null(await queue.RecoverLapsedWorkerAsync("w1"));

        await test.Db.KeyDeleteAsync(QueueKeys.WorkerStatus("w1"));
        Assert.Equal(["w1"], await registry.GetLapsedWorkerIdsAsync());
        Assert.Equal(3, await queue.RecoverLapsedWorkerAsync("w1"));

        Assert.Equal(ids, (await test.Db.ListRangeAsync(QueueKeys.Pending)).Select(v => v.ToString()));
        Assert.Empty(await registry.GetLapsedWorkerIdsAsync());
        var recovered = (await queue.GetAsync(ids[0]))!;
        Assert.Equal((TaskStatuses.Pending, 1), (recovered.Status, recovered.Recoveries));
        Assert.False(await queue.CompleteAsync("w1", batch[0], new Dictionary<string, string>(), TimeSpan.Zero));
        Assert.Null(await queue.FailAsync("w1", batch[1], "late", permanent: true));
        Assert.Equal(3, (await queue.GetStatsAsync()).Recovered);
    }

    [Theory]
    [InlineData(RedisServerKind.Redis)]
    [InlineData(RedisServerKind.Garnet)]
    public async Task A_task_recovered_too_often_is_dead_lettered_as_poison(RedisServerKind kind)
    {
        await using var test = await QueueTestServer.StartAsync(kind);
        var queue = test.Queue(new QueueOptions { MaxRecoveries = 2 });
        var id = (await queue.EnqueueAsync(Task(1))).TaskId;

        for (var i = 0; i < 3; i++)
        {
            Assert.Single(await queue.DequeueAsync("w1", 1, NoWait));
            Assert.Equal(1, await queue.RecoverOwnTasksAsync("w1"));
        }

        var record = (await queue.GetAsync(id))!;
        Assert.Equal((TaskStatuses.Dead, 3), (record.Status, record.Recoveries));
        Assert.Contains("poison", record.Error);
        Assert.Equal([id], (await test.Db.ListRangeAsync(QueueKeys.Dead)).Select(v => v.ToString()));
        var stats = await queue.GetStatsAsync();
        Assert.Equal((1L, 1L, 2L), (stats.Poisoned, stats.Failed, stats.Recovered));
    }

    [Theory]
    [InlineData(RedisServerKind.Redis)]
    [InlineData(RedisServerKind.Garnet)]
    public async Task Tasks_returned_at_shutdown_keep_their_attempt_count(RedisServerKind kind)
    {
        await using var test = await QueueTestServer.StartAsync(kind);
        var queue = test.Queue();
        var id = (await queue.EnqueueAsync(Task(1))).TaskId;
        Assert.Single(await queue.DequeueAsync("w1", 1, NoWait));

        Assert.Equal(1, await queue.ReturnTasksAsync("w1"));

        var record = (await queue.GetAsync(id))!;
        Assert.Equal((TaskStatuses.Pending, 0, 0), (record.Status, record.Attempts, record.Recoveries));
        Assert.Equal("returned", record.History[^1].Event);
    }

    [Theory]
    [InlineData(RedisServerKind.Redis)]
    [InlineData(RedisServerKind.Garnet)]
    public async Task An_idle_dequeue_adopts_a_task_moved_into_its_list_without_being_marked(RedisServerKind kind)
    {
        await using var test = await QueueTestServer.StartAsync(kind);
        var queue = test.Queue();
        await queue.EnqueueAsync(Task(1));
        var inHand = Assert.Single(await queue.DequeueAsync("w1", 1, NoWait));
        var stray = (await queue.EnqueueAsync(Task(2))).TaskId;
        // What a BLMOVE answered with nil yet carried out leaves behind.
        await test.Db.ListMoveAsync(QueueKeys.Pending, QueueKeys.Processing("w1"), ListSide.Left, ListSide.Right);

        var adopted = Assert.Single(await queue.DequeueAsync("w1", 5, NoWait));

        Assert.Equal((stray, 1), (adopted.TaskId, adopted.Attempts));
        Assert.Equal(TaskStatuses.Processing, (await queue.GetAsync(inHand.TaskId))!.Status);
        Assert.Equal(2, await test.Db.ListLengthAsync(QueueKeys.Processing("w1")));
    }

    [Fact]
    public void Bad_tasks_are_refused_with_a_reason()
    {
        Assert.Equal("product_id is required.", new NewTask(" ", "a.jpg", null).Validate());
        Assert.Equal("Give exactly one of image_path and image_url.", new NewTask("p", null, null).Validate());
        Assert.Equal("Give exactly one of image_path and image_url.", new NewTask("p", "a.jpg", "https://x/a.jpg").Validate());
        Assert.Contains("relative", new NewTask("p", "../etc/passwd", null).Validate());
        Assert.Contains("relative", new NewTask("p", "/etc/passwd", null).Validate());
        Assert.Contains("http", new NewTask("p", null, "file:///etc/passwd").Validate());
        Assert.Null(new NewTask("p", "shoes/a.jpg", null).Validate());
    }

    internal static WorkerStatus Status(string workerId) =>
        new(workerId, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, 0, 0, "idle", "test", Environment.ProcessId);
}
