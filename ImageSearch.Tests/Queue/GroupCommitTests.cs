using ImageSearch.Indexing.Queue;
using ImageSearch.Tests.Infrastructure;

namespace ImageSearch.Tests.Queue;

// The group commit alone: each send is held open by the test, so what gathers behind it is known exactly.
public class GroupCommitTests
{
    private readonly List<(IReadOnlyList<int> Items, TaskCompletionSource<IReadOnlyList<string>> Reply)> _sends = [];

    private Task<IReadOnlyList<string>> Send(IReadOnlyList<int> items)
    {
        var reply = new TaskCompletionSource<IReadOnlyList<string>>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_sends)
        {
            _sends.Add((items, reply));
        }

        return reply.Task;
    }

    private (IReadOnlyList<int> Items, TaskCompletionSource<IReadOnlyList<string>> Reply) SendAt(int index)
    {
        lock (_sends)
        {
            return _sends[index];
        }
    }

    private int SendCount
    {
        get
        {
            lock (_sends)
            {
                return _sends.Count;
            }
        }
    }

    [Fact]
    public async Task A_caller_alone_is_sent_at_once_and_callers_arriving_meanwhile_go_together_in_the_next_send()
    {
        var commit = new GroupCommit<int, string>(maxItems: 100);

        var first = commit.AddAsync(1, Send);
        Assert.Equal([1], SendAt(0).Items);
        var later = Enumerable.Range(2, 4).Select(i => commit.AddAsync(i, Send)).ToList();
        Assert.Equal(1, SendCount);

        SendAt(0).Reply.SetResult(["r1"]);
        Assert.Equal("r1", await first);
        await Eventually.HoldsAsync(() => Task.FromResult(SendCount == 2), "the gathered callers are sent");
        Assert.Equal([2, 3, 4, 5], SendAt(1).Items);

        SendAt(1).Reply.SetResult(["r2", "r3", "r4", "r5"]);
        Assert.Equal(["r2", "r3", "r4", "r5"], await Task.WhenAll(later));

        // Nothing in flight again: the next caller is sent at once.
        var next = commit.AddAsync(6, Send);
        Assert.Equal([6], SendAt(2).Items);
        SendAt(2).Reply.SetResult(["r6"]);
        Assert.Equal("r6", await next);
    }

    [Fact]
    public async Task A_failed_send_fails_only_its_own_callers_and_the_next_send_goes_on()
    {
        var commit = new GroupCommit<int, string>(maxItems: 2);

        var first = commit.AddAsync(1, Send);
        var gathered = Enumerable.Range(2, 3).Select(i => commit.AddAsync(i, Send)).ToList();

        SendAt(0).Reply.SetException(new InvalidOperationException("server gone"));
        Assert.Equal("server gone", (await Assert.ThrowsAsync<InvalidOperationException>(() => first)).Message);

        // At most maxItems a send: 2 and 3 go first, 4 after them.
        await Eventually.HoldsAsync(() => Task.FromResult(SendCount == 2), "the gathered callers are sent");
        Assert.Equal([2, 3], SendAt(1).Items);
        SendAt(1).Reply.SetResult(["r2", "r3"]);
        await Eventually.HoldsAsync(() => Task.FromResult(SendCount == 3), "the rest is sent");
        Assert.Equal([4], SendAt(2).Items);
        SendAt(2).Reply.SetResult(["r4"]);
        Assert.Equal(["r2", "r3", "r4"], await Task.WhenAll(gathered));
    }

    [Fact]
    public async Task A_send_that_throws_before_it_is_on_its_way_fails_its_callers_and_frees_the_next()
    {
        var commit = new GroupCommit<int, string>(maxItems: 100);

        var failed = commit.AddAsync(1, _ => throw new InvalidOperationException("refused at once"));
        await Assert.ThrowsAsync<InvalidOperationException>(() => failed);

        var next = commit.AddAsync(2, Send);
        Assert.Equal([2], SendAt(0).Items);
        SendAt(0).Reply.SetResult(["r2"]);
        Assert.Equal("r2", await next);
    }
}
