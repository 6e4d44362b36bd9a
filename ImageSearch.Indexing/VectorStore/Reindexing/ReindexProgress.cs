namespace ImageSearch.Indexing.VectorStore.Reindexing;

/// <summary>
/// Where a re-index stands, as kept in the Redis hash <see cref="Reindexer.ProgressKey"/>: every product scanned, how
/// many were queued again (and how many already had a task waiting), how many already carried the target model.
/// </summary>
public sealed record ReindexProgress(
    string Status,
    string TargetModel,
    bool AllProducts,
    long Scanned,
    long Enqueued,
    long AlreadyQueued,
    long UpToDate,
    DateTimeOffset? StartedAt,
    DateTimeOffset? UpdatedAt,
    DateTimeOffset? FinishedAt,
    string? Error)
{
    public const string Idle = "idle";
    public const string Running = "running";
    public const string Completed = "completed";
    public const string Failed = "failed";

    public static ReindexProgress None(string targetModel) =>
        new(Idle, targetModel, false, 0, 0, 0, 0, null, null, null, null);
}
