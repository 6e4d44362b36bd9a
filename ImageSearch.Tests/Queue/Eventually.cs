namespace ImageSearch.Tests.Queue;

/// <summary>Polls a condition until it holds or a deadline passes (for state reached by another process or loop).</summary>
internal static class Eventually
{
    public static async Task HoldsAsync(Func<Task<bool>> condition, string what, TimeSpan? within = null, TimeSpan? pollEvery = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(60));
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Timed out waiting until {what}.");
            }

            await Task.Delay(pollEvery ?? TimeSpan.FromMilliseconds(50));
        }
    }
}
