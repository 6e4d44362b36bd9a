using ImageSearch.Indexing.Queue;
using ImageSearch.Tests.Infrastructure;
using StackExchange.Redis;

namespace ImageSearch.Tests.Queue;

// The queue's transitions, each run against a fresh redis-server, a fresh Garnet and a fresh three-node Redis Cluster.
public class TaskQueueTests
{
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(1);

    internal static NewTask Task(int i, bool deduplicate = false) =>
        new($"product-{i}", $"images/{i}.jpg", null, $"Product {i}", Deduplicate: deduplicate);

    internal static TaskResult Completed(QueuedTask task, string? point = null) =>
        new(task, TaskOutcome.Success(point is null ? null : new Dictionary<string, string> { ["point_id"] = point }), TimeSpan.FromMilliseconds(1234));

    internal static TaskResult Failed(QueuedTask task, string error, bool permanent = false) =>
        new(task, permanent ? TaskOutcome.Permanent(error) : TaskOutcome.Transient(error), TimeSpan.Zero);

    [Theory]
    [ClassData(typeof(QueueServers))]
    public async Task Tasks_are_taken_in_enqueue_order_up_to_the_batch_size_each_batch_under_a_lease_of_its_own(RedisServerKind kind)
    {
        await using var test = await QueueTestServer.StartAsync(kind);
        var queue = test.Queue();

        var enqueued = await queue.EnqueueBatchAsync([.. Enumerable.Range(0, 25).Select(i => Task(i))]);
        Assert.Equal(25, await test.Db.ListLengthAsync(QueueKeys.Pending));
        Assert.Equal(25, enqueued[^1].QueueLength);

        var batches = new List<TaskBatch>();
        for (var i = 0; i < 4; i++)
        {
            batches.Add(await queue.TakeAsync("w1", 10, Lease));
        }

        Assert.Equal([10, 10, 5, 0], batches.Select(b => b.Count));
        Assert.Equal(4, batches.Select(b => b.LeaseToken).Distinct().Count());
        Assert.Equal(enqueued.Select(e => e.TaskId), batches.SelectMany(b => b.Tasks).Select(t => t.TaskId));
        Assert.Equal(Enumerable.Range(1, 25).Select(i => (long)i), batches.SelectMany(b => b.Tasks).Select(t => t.Sequence));
        Assert.Equal(25, await test.Db.SortedSetLengthAsync(QueueKeys.Active));
        var record = (await queue.GetAsync(batches[0].Tasks[0].TaskId))!;
        Assert.Equal((TaskStatuses.Processing, "w1", 1), (record.Status, record.WorkerId, record.Attempts));
        Assert.NotNull(record.StartedAt);
        Assert.InRange(record.LeaseExpiresAt!.Value, DateTimeOffset.UtcNow.AddSeconds(30), DateTimeOffset.UtcNow.AddMinutes(2));
        Assert.Equal(25, (await queue.GetStatsAsync()).Processing);
    }

    [Theory]
    [ClassData(typeof(QueueServers))]
    public async Task A_completed_task_keeps_its_request_result_and_history_for_the_retention_period(RedisServerKind kind)
    {
        await using var test = await QueueTestServer.StartAsync(kind);
        var queue = test.Queue(new QueueOptions { Retention = TimeSpan.FromHours(2) });

        var metadata = new Dictionary<string, string> { ["color"] = "red", ["price"] = "9.5", ["in_stock"] = "true" };
        var enqueued = await queue.EnqueueAsync(new NewTask("p-1", null, "https://example.com/a.jpg", "Shoe", "A \"red\" shoe", metadata));
        var batch = await queue.TakeAsync("w1", 1, Lease);
        var taken = Assert.Single(batch.Tasks);
        Assert.Equal(metadata, taken.Metadata);
        Assert.Equal(("https://example.com/a.jpg", "Shoe", "A \"red\" shoe", 1), (taken.ImageUrl, taken.Name, taken.Description, taken.Attempts));

        var finished = await queue.FinishAsync(batch, [Completed(taken, "42")], takeNext: 0, Lease);

        Assert.Equal([TaskDisposition.Completed], finished.Dispositions);
        var record = (await queue.GetAsync(enqueued.TaskId))!;
        Assert.Equal(TaskStatuses.Completed, record.Status);
        Assert.Equal("42", record.Result!["point_id"]);
        Assert.Equal(1234, record.DurationMs);
        Assert.NotNull(record.FinishedAt);
        Assert.Null(record.LeaseExpiresAt);
        Assert.Equal(["enqueued", "started", "completed"], record.History.Select(h => h.Event));
        Assert.Equal(("w1", 1), (record.History[1].WorkerId, record.History[1].Attempt));
        Assert.Equal(0, await test.Db.SortedSetLengthAsync(QueueKeys.Active));

        var ttl = await test.Db.KeyTimeToLiveAsync(QueueKeys.Task(enqueued.TaskId));
        Assert.InRange(ttl!.Value, TimeSpan.FromHours(2) - TimeSpan.FromMinutes(1), TimeSpan.FromHours(2));
        Assert.Null(await test.Db.KeyTimeToLiveAsync(QueueKeys.Stats));
    }

    [Theory]
    [ClassData(typeof(QueueServers))]
    public async Task One_finish_records_completions_retries_and_dead_letters_and_the_counters_add_up(RedisServerKind kind)
    {
        await using var test = await QueueTestServer.StartAsync(kind);
        var queue = test.Queue(new QueueOptions { RetryBaseDelay = TimeSpan.FromHours(1) });
        await queue.EnqueueBatchAsync([.. Enumerable.Range(0, 6).Select(i => Task(i))]);
        var batch = await queue.TakeAsync("w1", 5, Lease);
        var t = batch.Tasks;

        var finished = await queue.FinishAsync(batch,
            [Completed(t[0]), Completed(t[1]), Completed(t[2]), Failed(t[3], "unreadable image", permanent: true), Failed(t[4], "timeout")],
            takeNext: 0, Lease);

        Assert.Equal([TaskDisposition.Completed, TaskDisposition.Completed, TaskDisposition.Completed, TaskDisposition.DeadLettered,
            TaskDisposition.RetryScheduled], finished.Dispositions);
        Assert.Empty(finished.Next.Tasks);
        var stats = await queue.GetStatsAsync();
        Assert.Equal((1L, 0L, 1L, 1L), (stats.Pending, stats.Processing, stats.Delayed, stats.Dead));
        Assert.Equal((6L, 3L, 1L, 1L), (stats.Enqueued, stats.Completed, stats.Failed, stats.Retried));
        Assert.Equal(3 / 60.0, stats.ThroughputPerSecond, 6);

        var dead = Assert.Single(await queue.ListDeadAsync(0, 10));
        Assert.Equal((t[3].TaskId, TaskStatuses.Dead, "unreadable image"), (dead.TaskId, dead.Status, dead.Error));
        Assert.Equal(["enqueued", "started", "dead"], dead.History.Select(h => h.Event));
        Assert.Null(await test.Db.KeyTimeToLiveAsync(QueueKeys.Task(dead.TaskId)));
        var delayed = (await queue.GetAsync(t[4].TaskId))!;
        Assert.Equal((TaskStatuses.Delayed, "timeout"), (delayed.Status, delayed.Error));
        Assert.NotNull(delayed.NextAttemptAt);
    }

    [Theory]
    [ClassData(typeof(QueueServers))]
    public async Task Finish_takes_the_next_batch_in_the_same_round_trip(RedisServerKind kind)
    {
        await using var test = await QueueTestServer.StartAsync(kind);
        var queue = test.Queue();
        var ids = (await queue.EnqueueBatchAsync([.. Enumerable.Range(0, 5).Select(i => Task(i))])).Select(r => r.TaskId).ToList();
        var first = await queue.TakeAsync("w1", 2, Lease);

        var finished = await queue.FinishAsync(first, [.. first.Tasks.Select(task => Completed(task))], takeNext: 2, Lease);

        Assert.Equal(ids.Skip(2).Take(2), finished.Next.Tasks.Select(task => task.TaskId));
        Assert.NotEqual(first.LeaseToken, finished.Next.LeaseToken);
        Assert.Equal(2, await test.Db.SortedSetLengthAsync(QueueKeys.Active));
        // The old lease holds nothing of the new batch.
        Assert.Equal([TaskDisposition.Refused], (await queue.FinishAsync(first, [Completed(finished.Next.Tasks[0])], 0, Lease)).Dispositions);
    }

    [Theory]
    [ClassData(typeof(QueueServers))]
    public async Task Outcomes_sent_again_after_a_lost_reply_change_nothing_more(RedisServerKind kind)
    {
        await using var test = await QueueTestServer.StartAsync(kind);
        var queue = test.Queue(new QueueOptions { RetryBaseDelay = TimeSpan.FromHours(1) });
        await queue.EnqueueBatchAsync([.. Enumerable.Range(0, 3).Select(i => Task(i))]);
        var batch = await queue.TakeAsync("w1", 3, Lease);
        TaskResult[] results = [Completed(batch.Tasks[0]), Failed(batch.Tasks[1], "busy"), Failed(batch.Tasks[2], "bad", permanent: true)];

        var first = await queue.FinishAsync(batch, results, 0, Lease);
        var again = await queue.FinishAsync(batch, results, 0, Lease);

        Assert.Equal(first.Dispositions, again.Dispositions);
        var stats = await queue.GetStatsAsync();
        Assert.Equal((1L, 1L, 1L, 0L), (stats.Completed, stats.Retried, stats.Failed, stats.Refused));
        Assert.Single((await queue.GetAsync(batch.Tasks[0].TaskId))!.History, h => h.Event == "completed");
    }

    [Theory]
    [ClassData(typeof(QueueServers))]
    public async Task Two_takers_under_one_worker_id_cannot_finish_each_others_tasks(RedisServerKind kind)
    {
        await using var test = await QueueTestServer.StartAsync(kind);
        var queue = test.Queue();
        await queue.EnqueueBatchAsync([.. Enumerable.Range(0, 4).Select(i => Task(i))]);
        // A replicated WORKER_ID, or a pid reused by the host-pid fallback: the same id, two processes.
        var mine = await queue.TakeAsync("shared-id", 2, Lease);
        var theirs = await queue.TakeAsync("shared-id", 2, Lease);

        var wrong = await queue.FinishAsync(mine, [.. theirs.Tasks.Select(task => Completed(task))], 0, Lease);
        Assert.Equal([TaskDisposition.Refused, TaskDisposition.Refused], wrong.Dispositions);
        Assert.Equal(TaskStatuses.Processing, (await queue.GetAsync(theirs.Tasks[0].TaskId))!.Status);
        Assert.Equal([theirs.Tasks[0].TaskId], await queue.ExtendLeaseAsync(mine, [theirs.Tasks[0].TaskId], Lease));
        Assert.Equal(0, await queue.ReleaseAsync(mine, theirs.Tasks.Select(task => task.TaskId)));

        Assert.All((await queue.FinishAsync(theirs, [.. theirs.Tasks.Select(task => Completed(task))], 0, Lease)).Dispositions,
            d => Assert.Equal(TaskDisposition.Completed, d));
        Assert.All((await queue.FinishAsync(mine, [.. mine.Tasks.Select(task => Completed(task))], 0, Lease)).Dispositions,
            d => Assert.Equal(TaskDisposition.Completed, d));
        var stats = await queue.GetStatsAsync();
        Assert.Equal((4L, 2L, 0L), (stats.Completed, stats.Refused, stats.Processing));
    }

    [Theory]
    [ClassData(typeof(QueueServers))]
    public async Task A_lapsed_lease_sends_its_tasks_back_to_the_head_of_the_queue_in_order_and_refuses_their_late_outcomes(RedisServerKind kind)
    {
        await using var test = await QueueTestServer.StartAsync(kind);
        var queue = test.Queue();
        var ids = (await queue.EnqueueBatchAsync([.. Enumerable.Range(0, 5).Select(i => Task(i))])).Select(r => r.TaskId).ToList();
        // The worker lives on, but its lease is not renewed: an acknowledgement lost, a pause, a partition.
        var batch = await queue.TakeAsync("w1", 3, TimeSpan.FromMilliseconds(200));
        Assert.Equal((0L, 0L), await queue.RecoverLapsedLeasesAsync());

        await Eventually.HoldsAsync(async () => (await queue.RecoverLapsedLeasesAsync()).Recovered == 3, "the lease lapses and the sweep takes its tasks back");

        Assert.Equal(ids, (await test.Db.ListRangeAsync(QueueKeys.Pending)).Select(v => v.ToString()));
        Assert.Equal(0, await test.Db.SortedSetLengthAsync(QueueKeys.Active));
        var recovered = (await queue.GetAsync(ids[0]))!;
        Assert.Equal((TaskStatuses.Pending, 1, "recovered"), (recovered.Status, recovered.Recoveries, recovered.History[^1].Event));
        Assert.Equal("w1", recovered.History[^1].WorkerId);
        var late = await queue.FinishAsync(batch, [Completed(batch.Tasks[0]), Failed(batch.Tasks[1], "late", permanent: true)], 0, Lease);
        Assert.Equal([TaskDisposition.Refused, TaskDisposition.Refused], late.Dispositions);
        Assert.Equal(batch.Tasks.Select(task => task.TaskId), await queue.ExtendLeaseAsync(batch, batch.Tasks.Select(task => task.TaskId), Lease));
        var stats = await queue.GetStatsAsync();
        Assert.Equal((3L, 2L, 0L, 0L), (stats.Recovered, stats.Refused, stats.Completed, stats.Failed));

        // The next take gets them again, as a second attempt.
        var again = await queue.TakeAsync("w2", 3, Lease);
        Assert.Equal(ids.Take(3), again.Tasks.Select(task => task.TaskId));
        Assert.All(again.Tasks, task => Assert.Equal(2, task.Attempts));
    }

    [Theory]
    [ClassData(typeof(QueueServers))]
    public async Task A_renewed_lease_does_not_lapse(RedisServerKind kind)
    {
        await using var test = await QueueTestServer.StartAsync(kind);
        var queue = test.Queue();
        await queue.EnqueueAsync(Task(1));
        var lease = TimeSpan.FromMilliseconds(400);
        var batch = await queue.TakeAsync("w1", 1, lease);
        var id = batch.Tasks[0].TaskId;

        // Renewed well within the lease, for several leases' time.
        var until = DateTime.UtcNow.AddSeconds(2);
        while (DateTime.UtcNow < until)
        {
            Assert.Empty(await queue.ExtendLeaseAsync(batch, [id], lease));
            Assert.Equal((0L, 0L), await queue.RecoverLapsedLeasesAsync());
            await System.Threading.Tasks.Task.Delay(lease / 4, TestContext.Current.CancellationToken);
        }

        Assert.Equal([TaskDisposition.Completed], (await queue.FinishAsync(batch, [Completed(batch.Tasks[0])], 0, lease)).Dispositions);
    }

    [Theory]
    [ClassData(typeof(QueueServers))]
    public async Task A_task_whose_lease_keeps_lapsing_is_dead_lettered_as_poison(RedisServerKind kind)
    {
        await using var test = await QueueTestServer.StartAsync(kind);
        var queue = test.Queue(new QueueOptions { MaxRecoveries = 2 });
        var id = (await queue.EnqueueAsync(Task(1, deduplicate: true))).TaskId;

        for (var i = 0; i < 3; i++)
        {
            Assert.Single((await queue.TakeAsync("w1", 1, TimeSpan.FromMilliseconds(100))).Tasks);
            await Eventually.HoldsAsync(async () => (await queue.GetAsync(id))!.Status != TaskStatuses.Processing
                || (await queue.RecoverLapsedLeasesAsync()) != (0, 0), "the lease lapses");
        }

        var record = (await queue.GetAsync(id))!;
        Assert.Equal((TaskStatuses.Dead, 3), (record.Status, record.Recoveries));
        Assert.StartsWith("poison", record.Error);
        Assert.Equal([id], (await test.Db.ListRangeAsync(QueueKeys.Dead)).Select(v => v.ToString()));
        var stats = await queue.GetStatsAsync();
        Assert.Equal((1L, 1L, 2L, 0L), (stats.Poisoned, stats.Failed, stats.Recovered, stats.Processing));
        Assert.False((await queue.EnqueueAsync(Task(1, deduplicate: true))).Duplicate);
    }

    [Theory]
    [ClassData(typeof(QueueServers))]
    public async Task Tasks_handed_back_at_a_graceful_stop_return_to_the_head_in_order_with_their_attempt_uncounted(RedisServerKind kind)
    {
        await using var test = await QueueTestServer.StartAsync(kind);
        var queue = test.Queue();
        var ids = (await queue.EnqueueBatchAsync([.. Enumerable.Range(0, 4).Select(i => Task(i))])).Select(r => r.TaskId).ToList();
        var batch = await queue.TakeAsync("w1", 3, Lease);

        Assert.Equal(3, await queue.ReleaseAsync(batch, batch.Tasks.Select(task => task.TaskId)));

        Assert.Equal(ids, (await test.Db.ListRangeAsync(QueueKeys.Pending)).Select(v => v.ToString()));
        var record = (await queue.GetAsync(ids[0]))!;
        Assert.Equal((TaskStatuses.Pending, 0, 0), (record.Status, record.Attempts, record.Recoveries));
        Assert.Equal("returned", record.History[^1].Event);
        Assert.Equal(0, (await queue.GetStatsAsync()).Processing);
    }

    [Theory]
    [ClassData(typeof(QueueServers))]
    public async Task A_requeued_dead_letter_runs_again_with_its_attempts_reset_and_no_longer_counts_as_failed(RedisServerKind kind)
    {
        await using var test = await QueueTestServer.StartAsync(kind);
        var queue = test.Queue();
        var id = (await queue.EnqueueAsync(Task(1))).TaskId;
        var batch = await queue.TakeAsync("w1", 1, Lease);
        await queue.FinishAsync(batch, [Failed(batch.Tasks[0], "bad", permanent: true)], 0, Lease);
        Assert.Equal(1, (await queue.GetStatsAsync()).Failed);

        Assert.True(await queue.RequeueDeadAsync(id));
        Assert.False(await queue.RequeueDeadAsync(id));

        Assert.Equal(0, await test.Db.ListLengthAsync(QueueKeys.Dead));
        var again = await queue.TakeAsync("w1", 1, Lease);
        Assert.Equal((id, 1), (again.Tasks[0].TaskId, again.Tasks[0].Attempts));
        await queue.FinishAsync(again, [Completed(again.Tasks[0])], 0, Lease);
        var stats = await queue.GetStatsAsync();
        // One task, completed: what a success rate reads from these must be 100 %.
        Assert.Equal((1L, 0L, 1L), (stats.Completed, stats.Failed, stats.Requeued));
        Assert.Equal(["enqueued", "started", "dead", "requeued", "started", "completed"], (await queue.GetAsync(id))!.History.Select(h => h.Event));
    }

    [Theory]
    [ClassData(typeof(QueueServers))]
    public async Task Enqueuing_the_same_product_and_image_while_it_is_live_returns_the_earlier_task(RedisServerKind kind)
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
        Assert.Equal(3, (await queue.GetStatsAsync()).Enqueued);

        // While processing it is still a duplicate; once completed it is not.
        var batch = await queue.TakeAsync("w1", 1, Lease);
        Assert.Equal(first.TaskId, (await queue.EnqueueAsync(Task(1, deduplicate: true))).TaskId);
        await queue.FinishAsync(batch, [Completed(batch.Tasks[0])], 0, Lease);
        var after = await queue.EnqueueAsync(Task(1, deduplicate: true));
        Assert.False(after.Duplicate);
        Assert.NotEqual(first.TaskId, after.TaskId);
    }

    [Theory]
    [ClassData(typeof(QueueServers))]
    public async Task A_deduplicated_enqueue_never_answers_with_a_task_that_no_longer_exists(RedisServerKind kind)
    {
        await using var test = await QueueTestServer.StartAsync(kind);
        var queue = test.Queue();
        var gone = (await queue.EnqueueAsync(Task(1, deduplicate: true))).TaskId;
        // What an interrupted flush of the earlier version, or an operator's DEL, leaves behind.
        await test.Db.KeyDeleteAsync(QueueKeys.Task(gone));

        var fresh = await queue.EnqueueAsync(Task(1, deduplicate: true));

        Assert.False(fresh.Duplicate);
        Assert.NotEqual(gone, fresh.TaskId);
        Assert.Equal(TaskStatuses.Pending, (await queue.GetAsync(fresh.TaskId))!.Status);
    }

    [Theory]
    [ClassData(typeof(QueueServers))]
    public async Task Only_waiting_tasks_can_be_cancelled(RedisServerKind kind)
    {
        await using var test = await QueueTestServer.StartAsync(kind);
        var queue = test.Queue(new QueueOptions { RetryBaseDelay = TimeSpan.FromHours(1) });
        var ids = (await queue.EnqueueBatchAsync([Task(1), Task(2), Task(3)])).Select(r => r.TaskId).ToList();
        var batch = await queue.TakeAsync("w1", 2, Lease);
        await queue.FinishAsync(batch, [Failed(batch.Tasks[1], "later")], 0, Lease);

        Assert.False(await queue.CancelAsync(ids[0]));
        Assert.True(await queue.CancelAsync(ids[1]));
        Assert.True(await queue.CancelAsync(ids[2]));
        Assert.False(await queue.CancelAsync(ids[2]));
        Assert.False(await queue.CancelAsync("no-such-task"));

        Assert.Equal(TaskStatuses.Cancelled, (await queue.GetAsync(ids[2]))!.Status);
        var stats = await queue.GetStatsAsync();
        Assert.Equal((0L, 0L, 1L, 2L), (stats.Pending, stats.Delayed, stats.Processing, stats.Cancelled));
    }

    [Theory]
    [ClassData(typeof(QueueServers))]
    public async Task Flush_deletes_pending_tasks_by_default_and_the_other_places_only_when_asked_and_counts_them(RedisServerKind kind)
    {
        await using var test = await QueueTestServer.StartAsync(kind);
        var queue = test.Queue(new QueueOptions { RetryBaseDelay = TimeSpan.FromHours(1) });
        var ids = (await queue.EnqueueBatchAsync([.. Enumerable.Range(0, 1205).Select(i => Task(i, deduplicate: true))])).Select(r => r.TaskId).ToList();
        var batch = await queue.TakeAsync("w1", 2, Lease);
        await queue.FinishAsync(batch, [Failed(batch.Tasks[0], "later")], 0, Lease);

        Assert.Equal(1203, await queue.FlushAsync(FlushScope.Pending));
        Assert.Null(await queue.GetAsync(ids[4]));
        Assert.False((await queue.EnqueueAsync(Task(4, deduplicate: true))).Duplicate);
        Assert.Equal(1, await test.Db.SortedSetLengthAsync(QueueKeys.Delayed));

        Assert.Equal(2, await queue.FlushAsync(FlushScope.All));
        Assert.Equal(0, await test.Db.SortedSetLengthAsync(QueueKeys.Delayed));
        Assert.Equal(TaskStatuses.Processing, (await queue.GetAsync(batch.Tasks[1].TaskId))!.Status);
        // The one being processed keeps its entry; every other product + image entry went with its task.
        Assert.Equal([batch.Tasks[1].TaskId], (await test.Db.HashValuesAsync(QueueKeys.Deduplication)).Select(v => v.ToString()));
        Assert.Equal(1205, (await queue.GetStatsAsync()).Flushed);
    }

    [Theory]
    [ClassData(typeof(QueueServers))]
    public async Task Dead_letters_are_read_a_page_at_a_time_oldest_first(RedisServerKind kind)
    {
        await using var test = await QueueTestServer.StartAsync(kind);
        var queue = test.Queue();
        await queue.EnqueueBatchAsync([.. Enumerable.Range(0, 7).Select(i => Task(i))]);
        var batch = await queue.TakeAsync("w1", 7, Lease);
        await queue.FinishAsync(batch, [.. batch.Tasks.Select(task => Failed(task, $"bad {task.ProductId}", permanent: true))], 0, Lease);

        var page = await queue.ListDeadAsync(2, 3);

        Assert.Equal(batch.Tasks.Skip(2).Take(3).Select(t => t.TaskId), page.Select(r => r.TaskId));
        Assert.Equal("bad product-2", page[0].Error);
        Assert.Equal(7, await queue.CountDeadAsync());
        Assert.Empty(await queue.ListDeadAsync(7, 3));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => queue.ListDeadAsync(0, TaskQueue.MaxPageSize + 1));
    }

    [Theory]
    [ClassData(typeof(QueueServers))]
    public async Task A_page_of_dead_letters_costs_one_round_trip_whatever_its_size(RedisServerKind kind)
    {
        await using var test = await QueueTestServer.StartAsync(kind);
        var queue = test.Queue();
        await queue.EnqueueBatchAsync([.. Enumerable.Range(0, 50).Select(i => Task(i))]);
        var batch = await queue.TakeAsync("w1", 50, Lease);
        await queue.FinishAsync(batch, [.. batch.Tasks.Select(task => Failed(task, "bad", permanent: true))], 0, Lease);
        await queue.ListDeadAsync(0, 1);
        var before = test.Connection.GetCounters().Interactive.OperationCount;

        Assert.Equal(50, (await queue.ListDeadAsync(0, 50)).Count);

        Assert.Equal(1, test.Connection.GetCounters().Interactive.OperationCount - before);
    }

    [Theory]
    [ClassData(typeof(QueueServers))]
    public async Task Concurrent_single_enqueues_sent_together_each_get_their_own_task_and_deduplicate_among_themselves(RedisServerKind kind)
    {
        await using var test = await QueueTestServer.StartAsync(kind);
        var queue = test.Queue();

        // Started together, most of them gather while another enqueue is on its way and go in one script run.
        var distinct = await System.Threading.Tasks.Task.WhenAll(Enumerable.Range(0, 200).Select(i => queue.EnqueueAsync(Task(i))));
        var same = await System.Threading.Tasks.Task.WhenAll(Enumerable.Range(0, 50).Select(_ => queue.EnqueueAsync(Task(1000, deduplicate: true))));

        Assert.Equal(200, distinct.Select(r => r.TaskId).Distinct().Count());
        Assert.All(distinct, r => Assert.False(r.Duplicate));
        Assert.All(distinct, r => Assert.InRange(r.QueueLength, 1, 200));
        Assert.Single(same.Select(r => r.TaskId).Distinct());
        Assert.Equal(49, same.Count(r => r.Duplicate));

        var pending = (await test.Db.ListRangeAsync(QueueKeys.Pending)).Select(id => (string)id!).ToList();
        Assert.Equal(distinct.Select(r => r.TaskId).Append(same[0].TaskId).Order(), pending.Order());
        for (var i = 0; i < distinct.Length; i++)
        {
            Assert.Equal($"product-{i}", (await queue.GetAsync(distinct[i].TaskId))!.ProductId);
        }

        Assert.Equal(201, (await queue.GetStatsAsync()).Enqueued);
    }

    [Fact]
    public async Task Every_key_of_the_queue_hashes_to_the_slot_of_the_pending_list()
    {
        // The client computes slots (CRC16 of the key or of its {tag}) without a server.
        await using var offline = await ConnectionMultiplexer.ConnectAsync("127.0.0.1:1,abortConnect=false,connectTimeout=1");
        var slot = offline.HashSlot(QueueKeys.Pending);
        RedisKey[] keys =
        [
            QueueKeys.Active, QueueKeys.Delayed, QueueKeys.Dead, QueueKeys.Stats, QueueKeys.Deduplication, QueueKeys.Workers,
            QueueKeys.Layout, QueueKeys.Completions(1), QueueKeys.Task("t"), QueueKeys.WorkerStatus("w")
        ];

        Assert.All(keys, key => Assert.Equal(slot, offline.HashSlot(key)));
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
}
