namespace ImageSearch.Api.Model;

/// <summary>
/// What a task's stored error may show a reader. The worker stores stable reasons for image failures
/// (<see cref="ImageFailureReasons"/>); anything else may hold exception text, a server path or a URL, so it is shown
/// as one of a few fixed reasons and never as written.
/// </summary>
public static class TaskErrors
{
    public const string Timeout = "timeout: the task took longer than TASK_TIMEOUT.";
    public const string Poison = "poison: the task's lease lapsed too many times (its worker died, hung or lost touch while holding it).";
    public const string ProcessingFailed = "processing_failed: the worker could not finish the task; its log has the detail under the task id.";

    public static string? Public(string? stored) => stored switch
    {
        null or "" => null,
        _ when ImageFailureReasons.IsStable(stored) => stored,
        _ when stored.StartsWith("Timed out after", StringComparison.Ordinal) => Timeout,
        _ when stored.StartsWith("poison:", StringComparison.Ordinal) => Poison,
        _ => ProcessingFailed
    };
}
