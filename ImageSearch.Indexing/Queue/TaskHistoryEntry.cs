namespace ImageSearch.Indexing.Queue;

/// <summary>One event in a task's life: enqueued, started, completed, retry_scheduled, dead, recovered, returned, cancelled, requeued.</summary>
public sealed record TaskHistoryEntry(
    DateTimeOffset At,
    string Event,
    string? WorkerId = null,
    int? Attempt = null,
    string? Error = null,
    DateTimeOffset? RetryAt = null);
