namespace ImageSearch.Indexing.Queue;

/// <summary>What a worker last reported about itself.</summary>
public sealed record WorkerStatus(
    string WorkerId,
    DateTimeOffset Timestamp,
    DateTimeOffset StartedAt,
    long TasksProcessed,
    long TasksFailed,
    string Status,
    string Host,
    int ProcessId);
