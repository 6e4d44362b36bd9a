using System.Collections.Concurrent;
using ImageSearch.Indexing.Queue;

namespace ImageSearch.Tests.Queue;

/// <summary>Completes every task and counts how many times each was completed.</summary>
internal sealed class CountingProcessor : ITaskProcessor
{
    public ConcurrentDictionary<string, int> Completed { get; } = new();

    public ConcurrentQueue<int> BatchSizes { get; } = new();

    public Task<IReadOnlyDictionary<string, TaskOutcome>> ProcessAsync(IReadOnlyList<QueuedTask> tasks, CancellationToken cancellationToken)
    {
        BatchSizes.Enqueue(tasks.Count);
        IReadOnlyDictionary<string, TaskOutcome> outcomes = tasks.ToDictionary(t => t.TaskId, t =>
        {
            Completed.AddOrUpdate(t.TaskId, 1, (_, n) => n + 1);
            return TaskOutcome.Success(new Dictionary<string, string> { ["product_id"] = t.ProductId });
        });
        return Task.FromResult(outcomes);
    }
}

/// <summary>Runs a delegate per batch, for tests that need to hold, fail or observe a batch.</summary>
internal sealed class DelegateProcessor(Func<IReadOnlyList<QueuedTask>, CancellationToken, Task<IReadOnlyDictionary<string, TaskOutcome>>> process) : ITaskProcessor
{
    public Task<IReadOnlyDictionary<string, TaskOutcome>> ProcessAsync(IReadOnlyList<QueuedTask> tasks, CancellationToken cancellationToken) =>
        process(tasks, cancellationToken);
}
