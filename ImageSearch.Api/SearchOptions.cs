using System.ComponentModel.DataAnnotations;

namespace ImageSearch.Api;

/// <summary>Limits of the search endpoints, bound from the <c>Search</c> section.</summary>
public sealed class SearchOptions
{
    public const string SectionName = "Search";

    [Range(1, 1000)]
    public int MaxLimit { get; set; } = 100;

    [Range(1, 1000)]
    public int DefaultLimit { get; set; } = 10;

    [Range(0, 100_000)]
    public int MaxOffset { get; set; } = 10_000;

    /// <summary>The largest image a search may upload.</summary>
    [Range(1, 100 * 1024 * 1024)]
    public long MaxUploadBytes { get; set; } = 20 * 1024 * 1024;

    /// <summary>Searches that read, decode and embed an image at the same time (one per core keeps inference fast).</summary>
    [Range(1, 64)]
    public int MaxConcurrentEmbeddings { get; set; } = 2;

    /// <summary>
    /// Searches that may wait for an embedding slot; past these, a search is answered 503 at once. A waiting upload is
    /// held on disk, not in memory, so the wait is cheap: with 4, sixteen clients sending again at once got 9,130 refusals in
    /// 20 s and 5.1 answers/s; with 32, 48 refusals and 12.2 answers/s (the in-process rate then, with version 2's
    /// descriptor; `upload` benchmark).
    /// </summary>
    [Range(0, 1000)]
    public int EmbeddingQueueLimit { get; set; } = 32;

    /// <summary>
    /// How long a search waits for an embedding slot before it is answered 503 with Retry-After. It should outlast the
    /// queue that a busy API builds: a search takes about 0.2 s of both cores, so with sixteen clients each one waits
    /// about 3 s. With 1 s, 203 of those clients' 296 searches were refused, and reading the refused uploads left 4.4
    /// answers/s; with 5 s, none was refused and 5.7 answers/s came back, the in-process rate (`upload --clients 16`).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan EmbeddingQueueTimeout { get; set; } = TimeSpan.FromSeconds(5);
}
