namespace ImageSearch.Indexing.Queue;

/// <summary>
/// Group commit: one send at a time, and the items that arrive while it is on its way go together in the next one.
/// A caller alone is sent at once, so nothing waits for a timer; under load many callers share one round trip and one
/// script run, and Redis pays its fixed cost per call (the call, the counters, the list push, the length) once for
/// them all. In the http benchmark a run carried about 3 enqueues at 10 connections and 15 at 64.
/// </summary>
/// <remarks>
/// The caller whose item finds no send in flight sends, and goes on sending what gathered meanwhile until nothing is
/// left; each caller's task completes with its own result, or with the exception of the send it was part of.
/// No library in .NET offers this (Channels would need a reader loop of its own, a thread hop per batch).
/// </remarks>
public sealed class GroupCommit<TItem, TResult>(int maxItems)
{
    private readonly Lock _gate = new();
    private List<Entry> _gathered = [];
    private bool _sending;

    public Task<TResult> AddAsync(TItem item, Func<IReadOnlyList<TItem>, Task<IReadOnlyList<TResult>>> send)
    {
        var entry = new Entry(item);
        lock (_gate)
        {
            _gathered.Add(entry);
            if (_sending)
            {
                return entry.Result.Task;
            }

            _sending = true;
        }

        // Later sends carry other callers' items: they must not run in this caller's context (its trace, its scope).
        using (ExecutionContext.SuppressFlow())
        {
            _ = SendGatheredAsync(send);
        }

        return entry.Result.Task;
    }

    private async Task SendGatheredAsync(Func<IReadOnlyList<TItem>, Task<IReadOnlyList<TResult>>> send)
    {
        while (TakeGathered() is { } batch)
        {
            try
            {
                var results = await send(batch.ConvertAll(entry => entry.Item));
                for (var i = 0; i < batch.Count; i++)
                {
                    batch[i].Result.SetResult(results[i]);
                }
            }
            catch (Exception exception)
            {
                batch.ForEach(entry => entry.Result.TrySetException(exception));
            }
        }
    }

    private List<Entry>? TakeGathered()
    {
        lock (_gate)
        {
            if (_gathered.Count == 0)
            {
                _sending = false;
                return null;
            }

            if (_gathered.Count <= maxItems)
            {
                var all = _gathered;
                _gathered = [];
                return all;
            }

            var first = _gathered.GetRange(0, maxItems);
            _gathered.RemoveRange(0, maxItems);
            return first;
        }
    }

    private sealed class Entry(TItem item)
    {
        public TItem Item { get; } = item;

        // Callers resume on the thread pool, not inline on the sender, which has the next batch to send.
        public TaskCompletionSource<TResult> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
