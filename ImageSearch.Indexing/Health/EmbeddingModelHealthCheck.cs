using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ImageSearch.Indexing.Health;

/// <summary>Ready once the embedding model's session exists; unhealthy while it loads or if it failed to.</summary>
public sealed class EmbeddingModelHealthCheck(EmbeddingModelWarmup warmup) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(warmup.Loading switch
        {
            { IsCompletedSuccessfully: true } loaded => HealthCheckResult.Healthy($"Model {loaded.Result.Model.Key} loaded.",
                new Dictionary<string, object> { ["model"] = loaded.Result.Model.Key, ["dimensions"] = loaded.Result.Model.Dimensions }),
            { IsFaulted: true } failed => HealthCheckResult.Unhealthy("The embedding model failed to load.", failed.Exception?.GetBaseException()),
            _ => new HealthCheckResult(context.Registration.FailureStatus, "The embedding model is loading.")
        });
}
