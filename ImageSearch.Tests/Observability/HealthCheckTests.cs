using ImageSearch.Indexing.Embedding;
using ImageSearch.Indexing.Health;
using ImageSearch.Indexing.VectorStore;
using ImageSearch.Indexing.VectorStore.Embedded;
using ImageSearch.Tests.Embedding;
using ImageSearch.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ImageSearch.Tests.Observability;

// The readiness checks on their own, including the states a healthy AppHost never shows.
[Collection(EmbedderCollection.Name)]
public class HealthCheckTests(EmbedderFixture embedder)
{
    [Fact]
    public async Task The_model_check_is_unhealthy_until_the_model_has_loaded_then_names_it()
    {
        using var services = new ServiceCollection().AddSingleton(embedder.Embedder).BuildServiceProvider();
        var warmup = new EmbeddingModelWarmup(services);
        var check = new EmbeddingModelHealthCheck(warmup);

        Assert.Equal(HealthStatus.Unhealthy, (await CheckAsync(check)).Status);

        await warmup.StartAsync(TestContext.Current.CancellationToken);
        await warmup.Loading!;
        var loaded = await CheckAsync(check);
        Assert.Equal(HealthStatus.Healthy, loaded.Status);
        Assert.Equal(embedder.Embedder.Model.Key, loaded.Data["model"]);
    }

    [Fact]
    public async Task The_model_check_reports_a_model_that_failed_to_load()
    {
        using var services = EmbedderFixture.CreateServices(embedder.ImageRoot,
            new Dictionary<string, string?> { ["Embedding:ModelId"] = "no-such-model" });
        var warmup = new EmbeddingModelWarmup(services);
        await warmup.StartAsync(TestContext.Current.CancellationToken);
        await Assert.ThrowsAnyAsync<Exception>(() => warmup.Loading!);

        var result = await CheckAsync(new EmbeddingModelHealthCheck(warmup));
        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.NotNull(result.Exception);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task The_vector_store_check_follows_its_server(bool searching)
    {
        await using var server = await RedisServer.StartAsync(RedisServerKind.Redis);
        // Short timeouts: the check's answer once the server is gone comes when the command times out.
        await using var connection = await ConnectionMultiplexer.ConnectAsync($"{server.ConnectionString},asyncTimeout=500,syncTimeout=500,connectTimeout=500");
        var options = new VectorStoreOptions { CollectionName = $"health-{Guid.NewGuid():N}", LoadIndexAtStartup = searching, MaxRetryAttempts = 1, RetryBaseDelay = TimeSpan.FromMilliseconds(10) };
        using var store = new EmbeddedVectorStore(connection, options, VectorStoreResilience.Create(options));
        await store.UpsertAsync([new VectorPoint("p-1", Enumerable.Repeat(1f, options.Dimensions).ToArray(), new ProductPayload("p-1", null, null, "p-1.jpg", new Dictionary<string, string>(), "test-model", DateTimeOffset.UtcNow))], TestContext.Current.CancellationToken);
        var check = new VectorStoreHealthCheck(store, Options.Create(options));

        var reachable = await CheckAsync(check);
        Assert.Equal(HealthStatus.Healthy, reachable.Status);
        // A searching process's check loads the index; a worker's leaves it alone.
        Assert.Equal(searching ? 1 : 0, store.IndexedCount);

        await server.KillAsync();
        Assert.Equal(HealthStatus.Unhealthy, (await CheckAsync(check)).Status);
    }

    private static Task<HealthCheckResult> CheckAsync(IHealthCheck check) =>
        check.CheckHealthAsync(new HealthCheckContext
        {
            Registration = new HealthCheckRegistration("under-test", check, HealthStatus.Unhealthy, null)
        }, TestContext.Current.CancellationToken);
}
