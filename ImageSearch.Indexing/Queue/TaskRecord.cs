namespace ImageSearch.Indexing.Queue;

/// <summary>Everything stored about a task: its request, where it is now, and the history of its attempts.</summary>
/// <param name="LeaseExpiresAt">While processing, when the lease of its worker runs out unless renewed (server time).</param>
public sealed record TaskRecord(
    string TaskId,
    string ProductId,
    string? ImagePath,
    string? ImageUrl,
    string? Name,
    string? Description,
    IReadOnlyDictionary<string, string> Metadata,
    string Status,
    DateTimeOffset CreatedAt,
    int Attempts,
    int Recoveries,
    long Sequence,
    string? WorkerId,
    DateTimeOffset? StartedAt,
    DateTimeOffset? LeaseExpiresAt,
    DateTimeOffset? FinishedAt,
    DateTimeOffset? NextAttemptAt,
    long? DurationMs,
    IReadOnlyDictionary<string, string>? Result,
    string? Error,
    string? TraceParent,
    IReadOnlyList<TaskHistoryEntry> History);
