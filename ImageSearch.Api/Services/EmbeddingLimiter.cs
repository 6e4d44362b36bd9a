using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace ImageSearch.Api.Services;

/// <summary>
/// Bounds the embedding work (read, decode, inference) the API does for searches: at most
/// <see cref="SearchOptions.MaxConcurrentEmbeddings"/> at once; up to <see cref="SearchOptions.EmbeddingQueueLimit"/>
/// more wait, each at most <see cref="SearchOptions.EmbeddingQueueTimeout"/>; the rest are told to come back (503).
/// So memory and CPU time stay bounded however many searches arrive, and every search is answered promptly.
/// </summary>
public sealed class EmbeddingLimiter(IOptions<SearchOptions> options) : IDisposable
{
    private readonly ConcurrencyLimiter _limiter = new(new ConcurrencyLimiterOptions
    {
        PermitLimit = options.Value.MaxConcurrentEmbeddings,
        QueueLimit = options.Value.EmbeddingQueueLimit,
        QueueProcessingOrder = QueueProcessingOrder.OldestFirst
    });

    private readonly TimeSpan _queueTimeout = options.Value.EmbeddingQueueTimeout;

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
