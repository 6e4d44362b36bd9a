namespace ImageSearch.Indexing.Queue;

/// <param name="Duplicate">True when an earlier pending or processing task for the same product and image was returned instead.</param>
/// <param name="QueueLength">Length of the pending list right after the enqueue.</param>
public sealed record EnqueueResult(string TaskId, bool Duplicate, long QueueLength);
