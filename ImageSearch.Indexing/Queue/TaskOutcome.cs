namespace ImageSearch.Indexing.Queue;

/// <summary>How processing one task ended, as the processor reports it.</summary>
public abstract record TaskOutcome
{
    /// <summary>Done; the result is stored on the task record.</summary>
    public sealed record Completed(IReadOnlyDictionary<string, string> Result) : TaskOutcome;

    /// <summary>Might work later (timeout, server unavailable): retried after a backoff until attempts run out.</summary>
    public sealed record TransientFailure(string Error) : TaskOutcome;

    /// <summary>Will never work (missing file, undecodable image): straight to the dead-letter list.</summary>
    public sealed record PermanentFailure(string Error) : TaskOutcome;

    public static TaskOutcome Success(IReadOnlyDictionary<string, string>? result = null) =>
        new Completed(result ?? new Dictionary<string, string>());

    public static TaskOutcome Transient(string error) => new TransientFailure(error);

    public static TaskOutcome Permanent(string error) => new PermanentFailure(error);
}
