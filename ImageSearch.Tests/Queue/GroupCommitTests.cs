using ImageSearch.Indexing.Queue;
using System.Threading.Channels;

namespace ImageSearch.Tests.Queue;

// The group commit alone: each send is held open by the test, so what gathers behind it is known exactly.
public class GroupCommitTests
{
    private readonly Channel<(IReadOnlyList<int> Items, TaskCompletionSource<IReadOnlyList<string>> Reply)> _sends =
        Channel.CreateUnbounded<(IReadOnlyList<int>, TaskCompletionSource<IReadOnlyList<string>>)>();

    private Task<IReadOnlyList<string>> Send(IReadOnlyList<int> items)
    {
        var reply = new TaskCompletionSource<IReadOnlyList<string>>(TaskCreationOptions.RunContinuationsAsynchronously);
        _sends.Writer.TryWrite((items, reply));
        return reply.Task;
    }

    // The next send the group commit makes, as soon as it makes it.
    private async Task<(IReadOnlyList<int> Items, TaskCompletionSource<IReadOnlyList<string>> Reply)> NextSendAsync() =>
        await _sends.Reader.ReadAsync(TestContext.Current.CancellationToken);

    private bool AnotherSendMade => _sends.Reader.TryPeek(out _);

    [Fact]
    public async Task A_caller_alone_is_sent_at_once_and_callers_arriving_meanwhile_go_together_in_the_next_send()
    {
        var commit = new GroupCommit<int, string>(maxItems: 100);

        var first = commit.AddAsync(1, Send);
        var firstSend = await NextSendAsync();
        Assert.Equal([1], firstSend.Items);
        var later = Enumerable.Range(2, 4).Select(i => commit.AddAsync(i, Send)).ToList();
        Assert.False(AnotherSendMade);

        firstSend.Reply.SetResult(["r1"]);
        Assert.Equal("r1", await first);
        var secondSend = await NextSendAsync();
        Assert.Equal([2, 3, 4, 5], secondSend.Items);

        secondSend.Reply.SetResult(["r2", "r3", "r4", "r5"]);
        Assert.Equal(["r2", "r3", "r4", "r5"], await Task.WhenAll(later));

        // Nothing in flight again: the next caller is sent at once.
        var next = commit.AddAsync(6, Send);
        var thirdSend = await NextSendAsync();
        Assert.Equal([6], thirdSend.Items);
        thirdSend.Reply.SetResult(["r6"]);
        Assert.Equal("r6", await next);
    }

    [Fact]
    public async Task A_failed_send_fails_only_its_own_callers_and_the_next_send_goes_on()
    {
        var commit = new GroupCommit<int, string>(maxItems: 2);

        var first = commit.AddAsync(1, Send);
        var gathered = Enumerable.Range(2, 3).Select(i => commit.AddAsync(i, Send)).ToList();

        (await NextSendAsync()).Reply.SetException(new InvalidOperationException("server gone"));
        Assert.Equal("server gone", (await Assert.ThrowsAsync<InvalidOperationException>(() => first)).Message);

        // At most maxItems a send: 2 and 3 go first, 4 after them.
        var secondSend = await NextSendAsync();
        Assert.Equal([2, 3], secondSend.Items);
        secondSend.Reply.SetResult(["r2", "r3"]);
        var thirdSend = await NextSendAsync();
        Assert.Equal([4], thirdSend.Items);
        thirdSend.Reply.SetResult(["r4"]);
        Assert.Equal(["r2", "r3", "r4"], await Task.WhenAll(gathered));
    }

    [Fact]
    public async Task A_send_that_throws_before_it_is_on_its_way_fails_its_callers_and_frees_the_next()
    {
        var commit = new GroupCommit<int, string>(maxItems: 100);

        var failed = commit.AddAsync(1, _ => throw new InvalidOperationException("refused at once"));
        await Assert.ThrowsAsync<InvalidOperationException>(() => failed);

        var next = commit.AddAsync(2, Send);
        var send = await NextSendAsync();
        Assert.Equal([2], send.Items);
        send.Reply.SetResult(["r2"]);
        Assert.Equal("r2", await next);
    }
}
