namespace ImageSearch.Indexing.Queue;

/// <summary>A task as a worker receives it: what to index, and the trace context of whoever enqueued it.</summary>
/// <param name="Attempts">This attempt's number, from 1.</param>
/// <param name="Sequence">
/// The task's place in the order of all enqueues: a later task for the same product has a higher one, so a
/// writer can refuse to let an older task's result replace a newer one's.
/// </param>
/// <param name="TraceContext">The propagation fields (W3C <c>traceparent</c>, <c>tracestate</c>, baggage) stored at enqueue.</param>
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
    long Sequence,
    IReadOnlyDictionary<string, string> TraceContext);
