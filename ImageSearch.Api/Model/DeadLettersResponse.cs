namespace ImageSearch.Api.Model;

public sealed record DeadLettersResponse(long Total, int Offset, IReadOnlyList<TaskResponse> Items);
