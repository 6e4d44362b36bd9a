namespace ImageSearch.Api.Model;

/// <summary>The answer to an operator's action on one task (requeue, cancel).</summary>
public sealed record TaskActionResponse(string TaskId, string Status, string Message);
