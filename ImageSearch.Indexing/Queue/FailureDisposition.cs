namespace ImageSearch.Indexing.Queue;

/// <summary>Where a failed task went.</summary>
public enum FailureDisposition
{
    RetryScheduled,
    DeadLettered
}
