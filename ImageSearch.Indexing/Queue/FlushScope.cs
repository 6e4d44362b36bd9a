namespace ImageSearch.Indexing.Queue;

/// <summary>Which waiting tasks a flush deletes. Tasks being processed are never flushed.</summary>
[Flags]
public enum FlushScope
{
    Pending = 1,
    Delayed = 2,
    Dead = 4,
    All = Pending | Delayed | Dead
}
