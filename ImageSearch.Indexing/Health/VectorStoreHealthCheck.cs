using ImageSearch.Indexing.VectorStore;
using ImageSearch.Indexing.VectorStore.Embedded;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace ImageSearch.Indexing.Health;

/// <summary>
/// The vector store answers: a point lookup (one cheap round trip to Qdrant or Redis). Where the embedded store
/// keeps its in-memory index (a searching process), the index must also be loaded: the check brings it up to date,
/// which costs one round trip when nothing changed.
/// </summary>
public sealed class VectorStoreHealthCheck(IVectorStore store, IOptions<VectorStoreOptions> options) : IHealthCheck
{
    private const string ProbeProductId = "health-probe";

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            if (store is EmbeddedVectorStore embedded && options.Value.LoadIndexAtStartup)
            {
                await embedded.CatchUpAsync(cancellationToken).WaitAsync(cancellationToken);
                return HealthCheckResult.Healthy("Embedded store reachable, index loaded.",
                    new Dictionary<string, object> { ["indexed_points"] = embedded.IndexedCount });
            }

            // WaitAsync: a Redis command does not take the token, and the registration's timeout must still end the check.
            await store.GetAsync(ProbeProductId, cancellationToken).WaitAsync(cancellationToken);
            return HealthCheckResult.Healthy($"{StoreKind} store reachable.");
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, $"{StoreKind} store unreachable: {ex.Message}");
        }
    }

    private string StoreKind => store is EmbeddedVectorStore ? "Embedded" : "Qdrant";
}
