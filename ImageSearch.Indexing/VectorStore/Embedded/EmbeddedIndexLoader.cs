using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ImageSearch.Indexing.VectorStore.Embedded;

/// <summary>
/// With <see cref="VectorStoreOptions.LoadIndexAtStartup"/>, loads the in-memory index in the background when the
/// host starts, so the first search does not pay for it. A failure is logged; the first search tries again.
/// </summary>
internal sealed class EmbeddedIndexLoader(
    EmbeddedVectorStore store, IOptions<VectorStoreOptions> options, ILogger<EmbeddedIndexLoader> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.LoadIndexAtStartup)
        {
            return;
        }

        try
        {
            await store.CatchUpAsync(stoppingToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            logger.LogWarning(exception, "Loading the vector index at startup failed; the first search will retry.");
        }
    }
}
