using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace ImageSearch.Api.Services;

/// <summary>
/// Bounds the embedding work (read, decode, inference) the API does for searches: at most
/// <see cref="SearchOptions.MaxConcurrentEmbeddings"/> at once; up to <see cref="SearchOptions.EmbeddingQueueLimit"/>
/// more wait, each at most <see cref="SearchOptions.EmbeddingQueueTimeout"/>; the rest are told to come back (503).
/// So memory and CPU time stay bounded however many searches arrive, and every search is answered promptly.
/// </summary>
/// <remarks>
/// Decoding and inference are synchronous CPU work on the request's thread-pool thread, so each slot holds a pool thread
/// for the length of an embedding. The pool's minimum is raised to the cores plus the slots: otherwise, with every minimum
/// thread embedding, other requests waited for the pool to add a thread (it adds about one every 0.5 s), and enqueue
/// and status calls had a p99 of 0.5 s in the soak benchmark's mixed load.
/// </remarks>
public sealed class EmbeddingLimiter : IDisposable
{
    private readonly ConcurrencyLimiter _limiter;
    private readonly TimeSpan _queueTimeout;

    public EmbeddingLimiter(IOptions<SearchOptions> options)
    {
        var settings = options.Value;
        _limiter = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = settings.MaxConcurrentEmbeddings,
            QueueLimit = settings.EmbeddingQueueLimit,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst
        });
        _queueTimeout = settings.EmbeddingQueueTimeout;
        RetryAfterSeconds = Math.Max(1, (int)Math.Ceiling(_queueTimeout.TotalSeconds));

        // Set to a fixed value rather than raised by the slots, so another instance (tests build many) adds nothing.
        ThreadPool.GetMinThreads(out var workerThreads, out var completionPortThreads);
        var wanted = Environment.ProcessorCount + settings.MaxConcurrentEmbeddings;
        if (workerThreads < wanted)
        {
            ThreadPool.SetMinThreads(wanted, completionPortThreads);
        }
    }

    /// <summary>
    /// What a refused search is told to wait: the queue's wait. A search is refused when the queue is full or its wait ran
    /// out, so the backlog is at least about that long, and a client told to come back sooner would likely find it full.
    /// </summary>
    public int RetryAfterSeconds { get; }

    /// <summary>A permit to embed, or null when the limit and its queue are full or the wait ran out.</summary>
    public async Task<RateLimitLease?> AcquireAsync(CancellationToken cancellationToken)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        wait.CancelAfter(_queueTimeout);
        try
        {
            var lease = await _limiter.AcquireAsync(1, wait.Token);
            if (lease.IsAcquired)
            {
                return lease;
            }

            lease.Dispose();
            return null;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    public void Dispose() => _limiter.Dispose();
}
