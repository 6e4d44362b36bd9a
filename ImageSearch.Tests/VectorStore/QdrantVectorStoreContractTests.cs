using ImageSearch.Indexing.VectorStore;
using ImageSearch.Indexing.VectorStore.Qdrant;
using Qdrant.Client;

namespace ImageSearch.Tests.VectorStore;

/// <summary>
/// The contract against a real Qdrant, named by <c>QDRANT_CONNECTION_STRING</c> (<c>Endpoint=http://host:6334;Key=...</c>);
/// skipped when it is not set. Each test uses a collection of its own and deletes it afterwards.
/// </summary>
public sealed class QdrantVectorStoreContractTests : VectorStoreContractTests
{
    public const string ConnectionStringVariable = "QDRANT_CONNECTION_STRING";

    private readonly List<QdrantClient> _clients = [];

    public override async ValueTask InitializeAsync()
    {
        if (string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(ConnectionStringVariable)))
        {
            Assert.Skip($"No Qdrant server here: set {ConnectionStringVariable} (Endpoint=http://host:6334;Key=...) to run these tests.");
        }

        await base.InitializeAsync();
    }

    public override async ValueTask DisposeAsync()
    {
        if (_clients.Count > 0)
        {
            await _clients[0].DeleteCollectionAsync(CollectionName);
        }

        foreach (var client in _clients)
        {
            client.Dispose();
        }

        await base.DisposeAsync();
    }

    protected override ValueTask<IVectorStore> OpenStoreAsync()
    {
        var connection = QdrantConnectionString.Parse(Environment.GetEnvironmentVariable(ConnectionStringVariable)!);
        var client = new QdrantClient(connection.Endpoint, connection.ApiKey);
        _clients.Add(client);
        var options = Options(CollectionName);
        return ValueTask.FromResult<IVectorStore>(new QdrantVectorStore(client, options, VectorStoreResilience.Create(options)));
    }

    protected override ValueTask RestartServerAsync()
    {
        Assert.Skip("The tests cannot restart a remote Qdrant server; its durability is Qdrant's own.");
        return ValueTask.CompletedTask;
    }
}
