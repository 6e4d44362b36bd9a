namespace ImageSearch.Api.Model;

/// <summary>
/// A task as status and dead-letter readers see it: the record the queue keeps, with nothing that leaks: an
/// image_url without credentials, query or fragment, and errors as short stable reasons (the worker's log has the
/// detail, under the task id).
/// </summary>
public sealed record TaskResponse(
    string TaskId,
    string ProductId,
    string? ImagePath,
    string? ImageUrl,
    string? Name,
    string? Description,
    IReadOnlyDictionary<string, string> Metadata,
    string Status,
    DateTimeOffset CreatedAt,
    int Attempts,
    int Recoveries,
    long Sequence,
    string? WorkerId,
    DateTimeOffset? StartedAt,
    DateTimeOffset? LeaseExpiresAt,
    DateTimeOffset? FinishedAt,
    DateTimeOffset? NextAttemptAt,
    long? DurationMs,
    IReadOnlyDictionary<string, string>? Result,
    string? Error,
    string? TraceParent,
    IReadOnlyList<TaskHistoryEntry> History)
{
    public static TaskResponse From(TaskRecord record) => new(
        record.TaskId, record.ProductId, record.ImagePath, PublicUrl(record.ImageUrl), record.Name, record.Description,
        record.Metadata, record.Status, record.CreatedAt, record.Attempts, record.Recoveries, record.Sequence, record.WorkerId,
        record.StartedAt, record.LeaseExpiresAt, record.FinishedAt, record.NextAttemptAt, record.DurationMs, record.Result,
        TaskErrors.Public(record.Error), record.TraceParent,
        record.History.Select(entry => entry with { Error = TaskErrors.Public(entry.Error) }).ToList());

    /// <summary>The URL's scheme, host, port and path only: user:password, the query (signatures, tokens) and the fragment go.</summary>
    public static string? PublicUrl(string? url) =>
        url is not null && Uri.TryCreate(url, UriKind.Absolute, out var address)
            ? address.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped)
            : url is null ? null : "(not a URL)";
}
