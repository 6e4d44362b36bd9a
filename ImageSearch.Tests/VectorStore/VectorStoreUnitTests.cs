using ImageSearch.Indexing.VectorStore;
using ImageSearch.Indexing.VectorStore.Qdrant;
using Qdrant.Client.Grpc;

namespace ImageSearch.Tests.VectorStore;

// The Qdrant store's parts that need no server: point ids, the connection string, payloads and filters.
public class ProductPointIdTests
{
    [Theory]
    // Expected values from Python's uuid.uuid5(namespace, name), an independent implementation of RFC 9562.
    [InlineData("sku-1", "42b65687-7f77-54df-bdc6-7bc306825603")]
    [InlineData("Tasse à café ☕", "82fe6740-22c2-5d5d-9095-4eae335892f4")]
    public void The_point_id_is_the_UUIDv5_of_the_product_id(string productId, string expected)
    {
        Assert.Equal(Guid.Parse(expected), ProductPointId.For(productId));
    }

    [Fact]
    public void Different_products_get_different_ids_and_the_same_product_the_same()
    {
        Assert.Equal(ProductPointId.For("a"), ProductPointId.For("a"));
        Assert.NotEqual(ProductPointId.For("a"), ProductPointId.For("A"));
        Assert.Equal(5, ProductPointId.For("a").Version);
    }

    [Fact]
    public void An_empty_product_id_has_no_point_id()
    {
        Assert.Throws<ArgumentException>(() => ProductPointId.For(" "));
    }
}

public class QdrantConnectionStringTests
{
    [Fact]
    public void The_Aspire_shape_gives_endpoint_and_key()
    {
        var parsed = QdrantConnectionString.Parse("Endpoint=http://localhost:6334;Key=s3cret=x");

        Assert.Equal(new Uri("http://localhost:6334"), parsed.Endpoint);
        Assert.Equal("s3cret=x", parsed.ApiKey);
        Assert.Equal("a;b", QdrantConnectionString.Parse("Endpoint=http://q:6334;Key=\"a;b\"").ApiKey);
    }

    [Fact]
    public void The_key_is_optional()
    {
        Assert.Null(QdrantConnectionString.Parse("Endpoint=https://qdrant.example:6334").ApiKey);
    }

    [Theory]
    [InlineData("Key=abc")]
    [InlineData("Endpoint=qdrant:6334")]
    [InlineData("Endpoint=ftp://qdrant:6334")]
    [InlineData("not a connection string")]
    public void A_connection_string_without_a_usable_endpoint_is_refused(string connectionString)
    {
        Assert.Throws<FormatException>(() => QdrantConnectionString.Parse(connectionString));
    }
}

public class QdrantPointMapperTests
{
    [Fact]
    public void A_point_keeps_its_payload_with_metadata_as_a_nested_object()
    {
        var withMetadata = TestPoints.Point("sku-1", TestPoints.UnitVector(1),
            metadata: new Dictionary<string, string> { ["category"] = "shoes" });
        var point = withMetadata with { Payload = withMetadata.Payload with { Description = null } };

        var qdrantPoint = QdrantPointMapper.ToPoint(point);

        Assert.Equal(ProductPointId.For("sku-1").ToString(), qdrantPoint.Id.Uuid);
        Assert.Equal("shoes", qdrantPoint.Payload["metadata"].StructValue.Fields["category"].StringValue);
        Assert.Equal(TestPoints.Model, qdrantPoint.Payload["model_key"].StringValue);
        Assert.False(qdrantPoint.Payload.ContainsKey("description"));
        var payload = QdrantPointMapper.ToPayload(qdrantPoint.Payload);
        Assert.Equal(point.Payload with { Metadata = payload.Metadata }, payload);
        Assert.Equal(point.Payload.Metadata, payload.Metadata);
    }

    [Fact]
    public void The_filter_requires_the_model_and_every_metadata_field_and_excludes_the_product()
    {
        var filter = QdrantPointMapper.ToFilter(new VectorSearchQuery(TestPoints.UnitVector(1), "m@1",
            Filter: new Dictionary<string, string> { ["category"] = "shoes", ["brand"] = "acme" }, ExcludeProductId: "sku-9"));

        Assert.Equal(
            [("model_key", "m@1"), ("metadata.category", "shoes"), ("metadata.brand", "acme")],
            filter.Must.Select(c => (c.Field.Key, c.Field.Match.Keyword)));
        var excluded = Assert.Single(filter.MustNot);
        Assert.Equal(("product_id", "sku-9"), (excluded.Field.Key, excluded.Field.Match.Keyword));
        Assert.Equal(Condition.ConditionOneOfOneofCase.Field, excluded.ConditionOneOfCase);
    }

    [Fact]
    public void Without_filter_or_exclusion_only_the_model_is_required()
    {
        var filter = QdrantPointMapper.ToFilter(new VectorSearchQuery(TestPoints.UnitVector(1), "m@1"));

        Assert.Equal("model_key", Assert.Single(filter.Must).Field.Key);
        Assert.Empty(filter.MustNot);
    }
}
