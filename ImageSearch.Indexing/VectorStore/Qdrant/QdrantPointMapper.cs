using System.Globalization;
using Qdrant.Client.Grpc;

namespace ImageSearch.Indexing.VectorStore.Qdrant;

/// <summary>Converts between the store's records and Qdrant's points, payloads and filters.</summary>
public static class QdrantPointMapper
{
    public static PointStruct ToPoint(VectorPoint point)
    {
        var metadata = new Struct();
        foreach (var (field, value) in point.Payload.Metadata)
        {
            metadata.Fields[field] = value;
        }

        var payload = point.Payload;
        var pointStruct = new PointStruct
        {
            Id = ProductPointId.For(point.ProductId),
            Vectors = point.Vector,
            Payload =
            {
                [QdrantPayloadFields.ProductId] = payload.ProductId,
                [QdrantPayloadFields.ImageRef] = payload.ImageRef,
                [QdrantPayloadFields.Metadata] = new Value { StructValue = metadata },
                [QdrantPayloadFields.ModelKey] = payload.ModelKey,
                [QdrantPayloadFields.IndexedAt] = payload.IndexedAt.ToString("O", CultureInfo.InvariantCulture),
                [QdrantPayloadFields.Version] = payload.Version
            }
        };
        if (payload.Name is not null)
        {
            pointStruct.Payload[QdrantPayloadFields.Name] = payload.Name;
        }

        if (payload.Description is not null)
        {
            pointStruct.Payload[QdrantPayloadFields.Description] = payload.Description;
        }

        return pointStruct;
    }

    public static ProductPayload ToPayload(IDictionary<string, Value> payload)
    {
        string? Text(string field) =>
            payload.TryGetValue(field, out var value) && value.KindCase == Value.KindOneofCase.StringValue ? value.StringValue : null;

        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        if (payload.TryGetValue(QdrantPayloadFields.Metadata, out var metadataValue) && metadataValue.StructValue is { } fields)
        {
            foreach (var (field, value) in fields.Fields)
            {
                metadata[field] = value.StringValue;
            }
        }

        var indexedAt = Text(QdrantPayloadFields.IndexedAt);
        return new ProductPayload(
            Text(QdrantPayloadFields.ProductId) ?? throw new InvalidDataException("A Qdrant point has no product_id."),
            Text(QdrantPayloadFields.Name),
            Text(QdrantPayloadFields.Description),
            Text(QdrantPayloadFields.ImageRef) ?? "",
            metadata,
            Text(QdrantPayloadFields.ModelKey) ?? "",
            indexedAt is null ? default : DateTimeOffset.Parse(indexedAt, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind),
            payload.TryGetValue(QdrantPayloadFields.Version, out var version) && version.KindCase == Value.KindOneofCase.IntegerValue
                ? version.IntegerValue : 0);
    }

    /// <summary>
    /// Qdrant's condition for replacing a stored point with one of <paramref name="version"/>: it has no version yet
    /// (written before versions), or one not higher. New points are inserted whatever the condition says.
    /// </summary>
    public static Filter NotNewerThan(long version) => new()
    {
        Should =
        {
            Conditions.IsEmpty(QdrantPayloadFields.Version),
            Conditions.Range(QdrantPayloadFields.Version, new global::Qdrant.Client.Grpc.Range { Lte = version })
        }
    };

    /// <summary>The query's conditions: its model, every metadata filter, and not the excluded product.</summary>
    public static Filter ToFilter(VectorSearchQuery query)
    {
        var filter = new Filter();
        filter.Must.Add(Conditions.MatchKeyword(QdrantPayloadFields.ModelKey, query.ModelKey));
        foreach (var (field, value) in query.Filter ?? new Dictionary<string, string>())
        {
            filter.Must.Add(Conditions.MatchKeyword(QdrantPayloadFields.MetadataField(field), value));
        }

        if (query.ExcludeProductId is { } excluded)
        {
            filter.MustNot.Add(Conditions.MatchKeyword(QdrantPayloadFields.ProductId, excluded));
        }

        return filter;
    }
}
