using System.Net;
using System.Net.Sockets;
using Grpc.Core;
using ImageSearch.Indexing.VectorStore;
using ImageSearch.Indexing.VectorStore.Qdrant;
using Qdrant.Client;

namespace ImageSearch.Tests.VectorStore;

// What the Qdrant store does without a Qdrant server: refuse bad input early and report an outage as transient.
public class QdrantVectorStoreTests
{
    [Fact]
    public async Task An_unreachable_Qdrant_surfaces_as_VectorStoreUnavailableException()
    {
        var connection = QdrantConnectionString.Parse($"Endpoint=http://127.0.0.1:{ClosedPort()};Key=secret");
        using var client = new QdrantClient(connection.Endpoint, connection.ApiKey);
        var options = new VectorStoreOptions { Dimensions = TestPoints.Dimensions, MaxRetryAttempts = 1, RetryBaseDelay = TimeSpan.FromMilliseconds(10) };
        var store = new QdrantVectorStore(client, options, VectorStoreResilience.Create(options));

        var failure = await Assert.ThrowsAsync<VectorStoreUnavailableException>(() =>
            store.UpsertAsync([TestPoints.Point("sku-1", TestPoints.UnitVector(1))], TestContext.Current.CancellationToken));

        Assert.Equal(StatusCode.Unavailable, Assert.IsType<RpcException>(failure.InnerException).StatusCode);
    }

    [Fact]
    public async Task Bad_input_is_refused_before_any_call()
    {
        using var client = new QdrantClient(new Uri($"http://127.0.0.1:{ClosedPort()}"));
        var options = new VectorStoreOptions { Dimensions = TestPoints.Dimensions };
        var store = new QdrantVectorStore(client, options, VectorStoreResilience.Create(options));

        await Assert.ThrowsAsync<ArgumentException>(() => store.UpsertAsync(
            [TestPoints.Point("sku-1", TestPoints.UnitVector(1, dimensions: 3))], TestContext.Current.CancellationToken));
        await Assert.ThrowsAsync<ArgumentException>(() => store.GetAsync("", TestContext.Current.CancellationToken));
        await Assert.ThrowsAsync<ArgumentException>(() => store.SearchAsync(
            new VectorSearchQuery(TestPoints.UnitVector(1), TestPoints.Model,
                Filter: new Dictionary<string, string> { ["a.b"] = "x" }), TestContext.Current.CancellationToken));
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
