using ImageSearch.Indexing.Queue;
using ImageSearch.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace ImageSearch.Tests.Queue;

// Backoff timing with a fake clock: the queue passes "now" into its scripts for retries (leases run on the server's
// clock), so no test waits for a retry.
public class RetryBackoffTests
{
    [Theory]
    [ClassData(typeof(QueueServers))]
    public async Task Retries_are_due_after_doubling_delays_up_to_the_cap_then_the_last_attempt_is_dead_lettered(RedisServerKind kind)
    {
        await using var test = await QueueTestServer.StartAsync(kind);
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var queue = test.Queue(new QueueOptions
        {
            RetryBaseDelay = TimeSpan.FromSeconds(1),
            RetryMaxDelay = TimeSpan.FromSeconds(4),
            RetryJitter = 0,
            MaxAttempts = 5
        }, clock);
        var id = (await queue.EnqueueAsync(new NewTask("p", "a.jpg", null))).TaskId;

        var lease = TimeSpan.FromMinutes(1);
        foreach (var expected in new[] { 1, 2, 4, 4 })
        {
            var batch = await queue.TakeAsync("w1", 1, lease);
            var task = Assert.Single(batch.Tasks);
            var finished = await queue.FinishAsync(batch, [TaskQueueTests.Failed(task, "busy")], 0, lease);
            Assert.Equal([TaskDisposition.RetryScheduled], finished.Dispositions);
            Assert.Equal(clock.GetUtcNow().AddSeconds(expected), (await queue.GetAsync(id))!.NextAttemptAt);
            Assert.Equal(clock.GetUtcNow().AddSeconds(expected), finished.Next.NextRetryDue);

            clock.Advance(TimeSpan.FromSeconds(expected) - TimeSpan.FromMilliseconds(1));
            Assert.Empty((await queue.TakeAsync("w1", 1, lease)).Tasks);

            clock.Advance(TimeSpan.FromMilliseconds(1));
        }

        var last = await queue.TakeAsync("w1", 1, lease);
        Assert.Equal(5, last.Tasks[0].Attempts);
        Assert.Equal([TaskDisposition.DeadLettered], (await queue.FinishAsync(last, [TaskQueueTests.Failed(last.Tasks[0], "busy")], 0, lease)).Dispositions);
        var record = (await queue.GetAsync(id))!;
        Assert.Equal((TaskStatuses.Dead, 5), (record.Status, record.Attempts));
        Assert.Equal(4, record.History.Count(h => h.Event == "retry_scheduled"));
    }

    [Fact]
    public void Jitter_shortens_the_delay_by_at_most_its_share()
    {
        var options = new QueueOptions { RetryBaseDelay = TimeSpan.FromSeconds(2), RetryMaxDelay = TimeSpan.FromMinutes(5), RetryJitter = 0.5 };

        Assert.Equal(TimeSpan.FromSeconds(8), RetryBackoff.Delay(3, options, random: 0));
        Assert.Equal(TimeSpan.FromSeconds(4), RetryBackoff.Delay(3, options, random: 1));
        Assert.Equal(TimeSpan.FromSeconds(6), RetryBackoff.Delay(3, options, random: 0.5));
        Assert.Equal(TimeSpan.FromMinutes(5), RetryBackoff.Delay(40, options, random: 0));
    }
}
