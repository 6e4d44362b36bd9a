namespace ImageSearch.Indexing.Queue;

/// <summary>A task as a worker receives it: what to index and the trace context of whoever enqueued it.</summary>
public sealed record QueuedTask(
    string TaskId,
    string ProductId,
    string? ImagePath,
    string? ImageUrl,
    string? Name,
    string? Description,
    IReadOnlyDictionary<string, string> Metadata,
    DateTimeOffset CreatedAt,
    int Attempts,
    string? TraceParent,
    string? TraceState);
