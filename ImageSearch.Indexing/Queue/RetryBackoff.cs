namespace ImageSearch.Indexing.Queue;

/// <summary>Exponential backoff with jitter: base × 2^(attempt − 1), capped, then shortened by a random share.</summary>
public static class RetryBackoff
{
    /// <param name="attempt">The attempt that just failed, from 1.</param>
    /// <param name="random">A number in [0, 1).</param>
    public static TimeSpan Delay(int attempt, QueueOptions options, double random)
    {
        var exponent = Math.Clamp(attempt - 1, 0, 62);
        var uncapped = options.RetryBaseDelay.TotalMilliseconds * Math.Pow(2, exponent);
        var capped = Math.Min(uncapped, options.RetryMaxDelay.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(Math.Max(1, Math.Round(capped * (1 - options.RetryJitter * random))));
    }
}
