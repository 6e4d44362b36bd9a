namespace ImageSearch.Indexing.Queue;

/// <summary>What finishing a batch did to each task (in the order given), and the batch taken next in the same round trip.</summary>
public sealed record FinishResult(IReadOnlyList<TaskDisposition> Dispositions, TaskBatch Next);
