using Grpc.Core;
using Polly;
using Polly.Retry;
using StackExchange.Redis;

namespace ImageSearch.Indexing.VectorStore;

/// <summary>The retry pipeline around every call a vector store makes to Redis or Qdrant.</summary>
public static class VectorStoreResilience
{
    public const string PipelineName = "vector-store";

    public static ResiliencePipelineBuilder AddVectorStoreRetry(this ResiliencePipelineBuilder builder, VectorStoreOptions options) =>
        builder.AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<Exception>(IsTransient),
            MaxRetryAttempts = options.MaxRetryAttempts,
            Delay = options.RetryBaseDelay,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true
        });

    public static ResiliencePipeline Create(VectorStoreOptions options) =>
        new ResiliencePipelineBuilder().AddVectorStoreRetry(options).Build();

    public static bool IsTransient(Exception exception) => exception switch
    {
        RedisConnectionException or RedisTimeoutException => true,
        // A restarted server answers LOADING while it replays its append-only file.
        RedisServerException server => server.Message.StartsWith("LOADING", StringComparison.Ordinal)
                                       || server.Message.StartsWith("TRYAGAIN", StringComparison.Ordinal)
                                       || server.Message.StartsWith("BUSY", StringComparison.Ordinal),
        RpcException rpc => rpc.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded
            or StatusCode.ResourceExhausted or StatusCode.Aborted,
        _ => false
    };

    /// <summary>Runs a call through the pipeline; a transient failure that outlived the retries becomes unavailability.</summary>
    public static async ValueTask<T> ExecuteStoreCallAsync<T>(
        this ResiliencePipeline pipeline, string storeName, Func<CancellationToken, ValueTask<T>> call, CancellationToken cancellationToken)
    {
        try
        {
            return await pipeline.ExecuteAsync(call, cancellationToken);
        }
        catch (Exception exception) when (IsTransient(exception))
        {
            throw new VectorStoreUnavailableException($"The {storeName} vector store is unavailable: {exception.Message}", exception);
        }
    }
}
