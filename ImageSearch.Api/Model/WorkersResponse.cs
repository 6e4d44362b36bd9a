namespace ImageSearch.Api.Model;

public sealed record WorkersResponse(int WorkerCount, IReadOnlyList<WorkerStatus> Workers);
