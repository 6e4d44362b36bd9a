using ImageSearch.Indexing.Queue;
using ImageSearch.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace ImageSearch.Tests.Queue;

// Backoff timing with a fake clock: the queue passes "now" into its scripts, so no test waits for a retry.
public class RetryBackoffTests
{
    [Theory]
    [InlineData(RedisServerKind.Redis)]
    [InlineData(RedisServerKind.Garnet)]
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

        foreach (var expected in new[] { 1, 2, 4, 4 })
        {
            var task = Assert.Single(await queue.DequeueAsync("w1", 1, TimeSpan.FromMilliseconds(50)));
            Assert.Equal(FailureDisposition.RetryScheduled, await queue.FailAsync("w1", task, "busy", permanent: false));
            Assert.Equal(clock.GetUtcNow().AddSeconds(expected), (await queue.GetAsync(id))!.NextAttemptAt);

            clock.Advance(TimeSpan.FromSeconds(expected) - TimeSpan.FromMilliseconds(1));
            Assert.Equal(0, await queue.PromoteDueRetriesAsync());
            Assert.Empty(await queue.DequeueAsync("w1", 1, TimeSpan.FromMilliseconds(50)));

            clock.Advance(TimeSpan.FromMilliseconds(1));
            Assert.Equal(1, await queue.PromoteDueRetriesAsync());
        }

        var last = Assert.Single(await queue.DequeueAsync("w1", 1, TimeSpan.FromMilliseconds(50)));
        Assert.Equal(5, last.Attempts);
        Assert.Equal(FailureDisposition.DeadLettered, await queue.FailAsync("w1", last, "busy", permanent: false));
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
