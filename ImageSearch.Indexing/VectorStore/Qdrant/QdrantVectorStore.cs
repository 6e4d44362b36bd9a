using Grpc.Core;
using Polly;
using Qdrant.Client;
using Qdrant.Client.Grpc;

namespace ImageSearch.Indexing.VectorStore.Qdrant;

/// <summary>
/// The production vector store: one Qdrant collection (cosine distance, created with keyword payload indexes on
/// first use), one point per product with an id derived from the product id, so indexing again replaces it.
/// </summary>
public sealed class QdrantVectorStore(QdrantClient client, VectorStoreOptions options, ResiliencePipeline resilience) : IVectorStore
{
    private const string StoreName = "Qdrant";

    private readonly SemaphoreSlim _collectionGate = new(1, 1);
    private volatile bool _collectionReady;

    private string Collection => options.CollectionName;

    public async Task UpsertAsync(IReadOnlyList<VectorPoint> points, CancellationToken cancellationToken = default)
    {
        VectorStoreValidation.ValidatePoints(points, options.Dimensions);
        await EnsureCollectionAsync(cancellationToken);
        // Qdrant's update filter holds for a whole request and each point carries its own version, so points of one
        // version (in practice, one point) go together, under the condition that the stored point is not newer.
        foreach (var sameVersion in points.GroupBy(point => point.Payload.Version))
        {
            var updateFilter = QdrantPointMapper.NotNewerThan(sameVersion.Key);
            foreach (var batch in sameVersion.Chunk(Math.Max(1, options.UpsertBatchSize)))
            {
                var qdrantPoints = batch.Select(QdrantPointMapper.ToPoint).ToList();
                await CallAsync(token => new ValueTask<UpdateResult>(
                    client.UpsertAsync(Collection, qdrantPoints, updateFilter, wait: true, cancellationToken: token)), cancellationToken);
            }
        }
    }

    /// <summary>Looks the point up first to say whether it existed (Qdrant's delete does not tell).</summary>
    public async Task<bool> DeleteAsync(string productId, CancellationToken cancellationToken = default)
    {
        VectorStoreValidation.ValidateProductId(productId, nameof(productId));
        await EnsureCollectionAsync(cancellationToken);
        var pointId = ProductPointId.For(productId);
        var existing = await CallAsync(token => new ValueTask<IReadOnlyList<RetrievedPoint>>(
            client.RetrieveAsync(Collection, pointId, withPayload: false, withVectors: false, cancellationToken: token)),
            cancellationToken);
        if (existing.Count == 0)
        {
            return false;
        }

        await CallAsync(token => new ValueTask<UpdateResult>(
            client.DeleteAsync(Collection, pointId, wait: true, cancellationToken: token)), cancellationToken);
        return true;
    }

    public async Task<VectorPoint?> GetAsync(string productId, CancellationToken cancellationToken = default)
    {
        VectorStoreValidation.ValidateProductId(productId, nameof(productId));
        await EnsureCollectionAsync(cancellationToken);
        var points = await CallAsync(token => new ValueTask<IReadOnlyList<RetrievedPoint>>(
            client.RetrieveAsync(Collection, ProductPointId.For(productId), withPayload: true, withVectors: true,
                cancellationToken: token)), cancellationToken);
        if (points is not [var point])
        {
            return null;
        }

        return new VectorPoint(productId, ReadVector(point.Vectors), QdrantPointMapper.ToPayload(point.Payload));
    }

    /// <summary>Qdrant's scroll by point id; the cursor is the next page's first point id.</summary>
    public async Task<PayloadPage> ScrollAsync(string? cursor, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        PointId? offset = null;
        if (cursor is not null)
        {
            offset = Guid.TryParse(cursor, out var id) ? id : throw new ArgumentException($"'{cursor}' is not a cursor this store returned.", nameof(cursor));
        }

        await EnsureCollectionAsync(cancellationToken);
        var page = await CallAsync(token => new ValueTask<ScrollResponse>(client.ScrollAsync(
            Collection, limit: (uint)limit, offset: offset, payloadSelector: true, vectorsSelector: false, cancellationToken: token)),
            cancellationToken);
        return new PayloadPage(
            page.Result.Select(point => QdrantPointMapper.ToPayload(point.Payload)).ToList(),
            page.NextPageOffset is { } next ? next.Uuid : null);
    }

    public async Task<IReadOnlyList<VectorSearchHit>> SearchAsync(VectorSearchQuery query, CancellationToken cancellationToken = default)
    {
        VectorStoreValidation.ValidateQuery(query, options.Dimensions);
        await EnsureCollectionAsync(cancellationToken);
        var filter = QdrantPointMapper.ToFilter(query);
        var found = await CallAsync(token => new ValueTask<IReadOnlyList<ScoredPoint>>(client.QueryAsync(
            Collection, query: query.Vector, filter: filter, scoreThreshold: query.MinScore, limit: (ulong)query.Limit,
            offset: (ulong)query.Offset, payloadSelector: true, cancellationToken: token)), cancellationToken);

        return found.Select(ToHit).ToList();
    }

    /// <summary>Creates the collection and its payload indexes once; another process creating it first is fine.</summary>
    public async Task EnsureCollectionAsync(CancellationToken cancellationToken = default)
    {
        if (_collectionReady)
        {
            return;
        }

        await _collectionGate.WaitAsync(cancellationToken);
        try
        {
            if (_collectionReady)
            {
                return;
            }

            await CallAsync(CreateCollectionAsync, cancellationToken);
            _collectionReady = true;
        }
        finally
        {
            _collectionGate.Release();
        }
    }

    private async ValueTask<bool> CreateCollectionAsync(CancellationToken cancellationToken)
    {
        if (await client.CollectionExistsAsync(Collection, cancellationToken))
        {
            var info = await client.GetCollectionInfoAsync(Collection, cancellationToken);
            var size = info.Config.Params.VectorsConfig.Params?.Size;
            if (size is { } existing && existing != (ulong)options.Dimensions)
            {
                throw new InvalidOperationException(
                    $"Qdrant collection '{Collection}' holds {existing}-d vectors; this store is configured for {options.Dimensions}.");
            }
        }
        else
        {
            try
            {
                await client.CreateCollectionAsync(Collection,
                    new VectorParams { Size = (ulong)options.Dimensions, Distance = Distance.Cosine },
                    cancellationToken: cancellationToken);
            }
            catch (RpcException exception) when (exception.StatusCode == StatusCode.AlreadyExists)
            {
                // Another process created it between our check and our create.
            }
        }

        var indexedFields = new[] { QdrantPayloadFields.ProductId, QdrantPayloadFields.ModelKey }
            .Concat(options.IndexedMetadataFields.Select(QdrantPayloadFields.MetadataField));
        foreach (var field in indexedFields)
        {
            // Creating an index that exists is a no-op in Qdrant.
            await client.CreatePayloadIndexAsync(Collection, field, PayloadSchemaType.Keyword, cancellationToken: cancellationToken);
        }

        // Every conditional upsert reads the stored point's version.
        await client.CreatePayloadIndexAsync(Collection, QdrantPayloadFields.Version, PayloadSchemaType.Integer, cancellationToken: cancellationToken);

        return true;
    }

    private static VectorSearchHit ToHit(ScoredPoint point)
    {
        var payload = QdrantPointMapper.ToPayload(point.Payload);
        return new VectorSearchHit(payload.ProductId, point.Score, payload);
    }

    // Servers before 1.13 fill only the deprecated flat field; newer ones the dense one.
#pragma warning disable CS0612
    private static float[] ReadVector(VectorsOutput vectors) =>
        vectors.Vector.Dense is { } dense ? dense.Data.ToArray() : vectors.Vector.Data.ToArray();
#pragma warning restore CS0612

    private ValueTask<T> CallAsync<T>(Func<CancellationToken, ValueTask<T>> call, CancellationToken cancellationToken) =>
        resilience.ExecuteStoreCallAsync(StoreName, call, cancellationToken);
}
