namespace ImageSearch.Indexing.Queue;

/// <summary>
/// Tasks taken together under one lease. Only the holder of the lease's token can finish, renew or hand back
/// these tasks; once the lease lapses, the sweep returns them to the queue and the token is worth nothing.
/// </summary>
/// <param name="NextRetryDue">When the earliest waiting retry is due (the queue's clock), so an idle taker knows how long to wait.</param>
public sealed record TaskBatch(string LeaseToken, string WorkerId, IReadOnlyList<QueuedTask> Tasks, DateTimeOffset? NextRetryDue)
{
    public int Count => Tasks.Count;
}
