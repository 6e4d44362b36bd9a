namespace ImageSearch.Indexing.Queue;

/// <summary>What recording an outcome did to a task.</summary>
public enum TaskDisposition
{
    /// <summary>Nothing: the task was not held under this lease any more (it lapsed and went back to the queue).</summary>
    Refused = 0,
    Completed = 1,
    RetryScheduled = 2,
    DeadLettered = 3
}
