using ImageSearch.Indexing.VectorStore;
using ImageSearch.Indexing.VectorStore.Embedded;
using ImageSearch.Indexing.VectorStore.Qdrant;
using ImageSearch.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ImageSearch.Tests.VectorStore;

public class VectorStoreRegistrationTests
{
    [Fact]
    public void A_qdrant_connection_string_selects_the_Qdrant_store_and_options_come_from_configuration()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:qdrant"] = "Endpoint=http://localhost:6334;Key=secret",
            ["VectorStore:Dimensions"] = "384",
            ["VectorStore:CollectionName"] = "catalogue",
            ["VectorStore:IndexedMetadataFields:0"] = "colour"
        });

        builder.AddVectorStore();
        using var host = builder.Build();

        Assert.IsType<QdrantVectorStore>(host.Services.GetRequiredService<IVectorStore>());
        var options = host.Services.GetRequiredService<IOptions<VectorStoreOptions>>().Value;
        Assert.Equal((384, "catalogue"), (options.Dimensions, options.CollectionName));
        Assert.Contains("colour", options.IndexedMetadataFields);
    }

    [Fact]
    public async Task Without_qdrant_the_embedded_store_runs_on_the_registered_redis_connection()
    {
        await using var server = await RedisServer.StartAsync(RedisServerKind.Redis);
        await using var connection = await server.ConnectAsync();
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["VectorStore:Dimensions"] = "64" });
        builder.Services.AddSingleton<IConnectionMultiplexer>(connection);

        builder.AddVectorStore();
        using var host = builder.Build();

        var store = Assert.IsType<EmbeddedVectorStore>(host.Services.GetRequiredService<IVectorStore>());
        var point = TestPoints.Point("sku-1", TestPoints.UnitVector(1));
        await store.UpsertAsync([point], TestContext.Current.CancellationToken);
        Assert.True((await connection.GetDatabase().HashGetAsync("products:point:sku-1", "vector")).HasValue);
    }

    [Fact]
    public async Task With_LoadIndexAtStartup_the_index_is_loaded_when_the_host_starts()
    {
        await using var server = await RedisServer.StartAsync(RedisServerKind.Redis);
        await using var connection = await server.ConnectAsync();
        var options = new VectorStoreOptions { Dimensions = TestPoints.Dimensions };
        using (var writer = new EmbeddedVectorStore(connection, options, VectorStoreResilience.Create(options)))
        {
            await writer.UpsertAsync(TestPoints.Many(25), TestContext.Current.CancellationToken);
        }

        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["VectorStore:Dimensions"] = "64",
            ["VectorStore:LoadIndexAtStartup"] = "true"
        });
        builder.Services.AddSingleton<IConnectionMultiplexer>(connection);
        builder.AddVectorStore();
        using var host = builder.Build();

        await host.StartAsync(TestContext.Current.CancellationToken);

        var store = host.Services.GetRequiredService<EmbeddedVectorStore>();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (store.IndexedCount < 25 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        Assert.Equal(25, store.IndexedCount);
        await host.StopAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public void Invalid_options_stop_the_host_from_starting()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:qdrant"] = "Endpoint=http://localhost:6334",
            ["VectorStore:Dimensions"] = "0"
        });

        builder.AddVectorStore();
        using var host = builder.Build();

        Assert.Throws<OptionsValidationException>(() => host.Services.GetRequiredService<IOptions<VectorStoreOptions>>().Value);
    }
}
