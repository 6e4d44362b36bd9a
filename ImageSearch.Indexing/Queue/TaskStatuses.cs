namespace ImageSearch.Indexing.Queue;

/// <summary>The values of a task's <c>status</c> field, one per place the task can be.</summary>
public static class TaskStatuses
{
    public const string Pending = "pending";
    public const string Processing = "processing";
    /// <summary>Failed transiently; waiting in the delayed set for its retry.</summary>
    public const string Delayed = "delayed";
    public const string Completed = "completed";
    /// <summary>In the dead-letter list.</summary>
    public const string Dead = "dead";
    public const string Cancelled = "cancelled";
}
