using ImageSearch.Indexing.VectorStore;
using ImageSearch.Indexing.VectorStore.Embedded;

namespace ImageSearch.Tests.VectorStore;

public abstract class EmbeddedVectorStoreContractTests(RedisServerFixture fixture) : VectorStoreContractTests
{
    protected override ValueTask<IVectorStore> OpenStoreAsync()
    {
        var options = Options(CollectionName);
        return ValueTask.FromResult<IVectorStore>(
            new EmbeddedVectorStore(fixture.Connection, options, VectorStoreResilience.Create(options)));
    }

    protected override async ValueTask RestartServerAsync() => await fixture.RestartAsync();
}

public sealed class EmbeddedVectorStoreOnRedisTests(RedisFixture fixture)
    : EmbeddedVectorStoreContractTests(fixture), IClassFixture<RedisFixture>;

public sealed class EmbeddedVectorStoreOnGarnetTests(GarnetFixture fixture)
    : EmbeddedVectorStoreContractTests(fixture), IClassFixture<GarnetFixture>;
