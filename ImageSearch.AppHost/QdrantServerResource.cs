namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// The Qdrant vector database container. Its connection string has the shape Aspire's Qdrant
/// integration uses (<c>Endpoint=…;Key=…</c>), pointing at the gRPC endpoint.
/// </summary>
public sealed class QdrantServerResource(string name, ParameterResource apiKey)
    : ContainerResource(name), IResourceWithConnectionString
{
    internal const string GrpcEndpointName = "grpc";
    internal const string HttpEndpointName = "http";

    public EndpointReference GrpcEndpoint => field ??= new(this, GrpcEndpointName);

    public ParameterResource ApiKeyParameter { get; } = apiKey;

    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"Endpoint={GrpcEndpoint.Property(EndpointProperty.Url)};Key={ApiKeyParameter}");
}
