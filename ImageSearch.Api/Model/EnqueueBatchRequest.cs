namespace ImageSearch.Api.Model;

public sealed record EnqueueBatchRequest(IReadOnlyList<EnqueueRequest>? Tasks);
