using Polly.Timeout;

namespace ImageSearch.Tests.Infrastructure;

/// <summary>
/// Starts the whole application through the real AppHost, as `dotnet run --project ImageSearch.AppHost` would, and
/// returns once the API reports healthy.
/// </summary>
public static class TestAppHost
{
    // One application comes up at a time across the test run. Each start launches DCP, a Redis server, the API and
    // workers that each load the model, and two at once share the 2 cores. One CI run saw DCP never come up for a
    // start made while other tests were busy; why is not known, so starts are also kept from overlapping.
    private static readonly SemaphoreSlim OneStartAtATime = new(1, 1);

    /// <summary>
    /// A bound on a hung start, not a speed check: room for another test's start to finish, one start that DCP fails
    /// (about 2 minutes) and the start after it. A start takes under a minute on a loaded 2-core machine.
    /// </summary>
    public static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(6);

    /// <param name="configure">Changes to the application before it is built (extra environment, log collection).</param>
    public static async Task<DistributedApplication> StartAsync(
        string[] args, CancellationToken cancellationToken, Action<IDistributedApplicationTestingBuilder>? configure = null)
    {
        await OneStartAtATime.WaitAsync(cancellationToken);
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.ImageSearch_AppHost>(args, cancellationToken);
                configure?.Invoke(builder);
                var app = await builder.BuildAsync(cancellationToken);
                try
                {
                    await app.StartAsync(cancellationToken);
                    await app.ResourceNotifications.WaitForResourceHealthyAsync("api", cancellationToken);
                    return app;
                }
                catch (TimeoutRejectedException e) when (attempt == 1 && !cancellationToken.IsCancellationRequested)
                {
                    // Aspire gives up when DCP's API server has not answered for its recovery timeout (2 minutes). DCP
                    // is the test's orchestrator, not code of ours, so its failure to come up gets one more start;
                    // anything of ours that breaks the start fails both.
                    TestContext.Current.TestOutputHelper?.WriteLine($"The AppHost did not start ({e.Message}); starting it again.");
                    await app.DisposeAsync();
                }
                catch
                {
                    await app.DisposeAsync();
                    throw;
                }
            }
        }
        finally
        {
            OneStartAtATime.Release();
        }
    }
}
