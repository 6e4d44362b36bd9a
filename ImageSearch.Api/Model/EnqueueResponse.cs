namespace ImageSearch.Api.Model;

/// <param name="Status">Always "enqueued" (the original's contract), also when an earlier task was returned.</param>
/// <param name="Duplicate">True when an earlier pending or processing task for the same product and image was returned.</param>
public sealed record EnqueueResponse(string TaskId, string Status, string Message, long QueueLength, bool Duplicate);
