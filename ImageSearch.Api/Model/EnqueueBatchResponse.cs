namespace ImageSearch.Api.Model;

public sealed record EnqueueBatchResponse(IReadOnlyList<EnqueueResponse> Tasks, long QueueLength);
