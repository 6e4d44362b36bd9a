using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace ImageSearch.Api.Security;

/// <summary>
/// Wrong API keys per client (see <see cref="ClientPartition"/>): a few a minute, then every key-checked call of that
/// client is refused (429) unchecked until the bucket refills, so keys cannot be guessed at the server's speed.
/// </summary>
public sealed class ApiKeyFailures(IOptions<RateLimitingOptions> options) : IDisposable
{
    private readonly PartitionedRateLimiter<string> _limiter = PartitionedRateLimiter.Create<string, string>(client =>
        RateLimitPartition.GetTokenBucketLimiter(client, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = options.Value.KeyFailuresPerMinute,
            TokensPerPeriod = options.Value.KeyFailuresPerMinute,
            ReplenishmentPeriod = TimeSpan.FromMinutes(1),
            QueueLimit = 0,
            AutoReplenishment = true
        }));

    /// <summary>True while the client has wrong keys left to spend this minute.</summary>
    /// <remarks>Read from the statistics: a lease of 0 permits is not a reliable probe once the partition has been replenished.</remarks>
    public bool MayTry(string client) => _limiter.GetStatistics(client) is not { CurrentAvailablePermits: <= 0 };

    /// <summary>Counts a wrong key.</summary>
    public void Record(string client) => _limiter.AttemptAcquire(client, 1).Dispose();

    public void Dispose() => _limiter.Dispose();
}
