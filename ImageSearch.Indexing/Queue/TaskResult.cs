namespace ImageSearch.Indexing.Queue;

/// <summary>How one task of a batch ended, and how long the work took.</summary>
public sealed record TaskResult(QueuedTask Task, TaskOutcome Outcome, TimeSpan Duration);
