namespace ImageSearch.Indexing.Queue;

/// <summary>
/// The actual work on tasks (load the image, embed it, upsert the vector). The consumer calls it with
/// each batch it dequeues and records every outcome.
/// </summary>
public interface ITaskProcessor
{
    /// <summary>
    /// Processes a batch and returns an outcome per task id. A task left out, or an exception thrown,
    /// counts as a transient failure. The token is cancelled when TASK_TIMEOUT passes or the shutdown
    /// grace period ends.
    /// </summary>
    Task<IReadOnlyDictionary<string, TaskOutcome>> ProcessAsync(IReadOnlyList<QueuedTask> tasks, CancellationToken cancellationToken);
}
