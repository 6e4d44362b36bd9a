namespace ImageSearch.Tests.Infrastructure;

/// <summary>
/// Waits for a state another process or loop reaches with no notification to the test (a task's status, a server
/// answering, a log line): polls the condition until it holds, or fails the test at the deadline, saying what it
/// waited for. A deadline, not a claim about speed.
/// </summary>
public static class Eventually
{
    private static readonly TimeSpan DefaultWithin = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);

    // The wait ends with the test: xunit cancels TestContext.Current.CancellationToken when the run is stopped.
    public static Task HoldsAsync(Func<Task<bool>> condition, string what, TimeSpan? within = null) =>
        PollAsync(async () => (await condition(), true), what, within);

    public static Task HoldsAsync(Func<bool> condition, string what, TimeSpan? within = null) =>
        PollAsync(() => Task.FromResult((condition(), true)), what, within);

    /// <summary>The first non-null value <paramref name="probe"/> returns; a probe that throws counts as not yet.</summary>
    public static Task<T> ValueAsync<T>(Func<Task<T?>> probe, string what, TimeSpan? within = null)
        where T : class =>
        PollAsync(async () => await probe() is { } value ? (true, value) : (false, null!), what, within);

    private static async Task<T> PollAsync<T>(Func<Task<(bool Done, T Value)>> probe, string what, TimeSpan? within)
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var deadline = DateTime.UtcNow + (within ?? DefaultWithin);
        Exception? last = null;
        while (true)
        {
            try
            {
                var (done, value) = await probe();
                if (done)
                {
                    return value;
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                last = ex;
            }

            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Timed out after {(within ?? DefaultWithin).TotalSeconds:0.#} s waiting until {what}." +
                    (last is null ? "" : $" Last error: {last.GetType().Name}: {last.Message}"));
            }

            await Task.Delay(PollInterval, cancellationToken);
        }
    }
}
