using System.Data.Common;

namespace ImageSearch.Indexing.VectorStore.Qdrant;

/// <summary>
/// The connection string Aspire hands a service for Qdrant: <c>Endpoint=http://host:6334;Key=api-key</c>
/// (the gRPC endpoint; the key is optional).
/// </summary>
public sealed record QdrantConnectionString(Uri Endpoint, string? ApiKey)
{
    public static QdrantConnectionString Parse(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);

        var builder = new DbConnectionStringBuilder();
        try
        {
            builder.ConnectionString = connectionString;
        }
        catch (ArgumentException exception)
        {
            throw new FormatException("The Qdrant connection string is not of the form 'Endpoint=http://host:port;Key=...'.", exception);
        }

        if (!builder.TryGetValue("Endpoint", out var endpointValue) || endpointValue is not string endpointText
            || !Uri.TryCreate(endpointText, UriKind.Absolute, out var endpoint)
            || endpoint.Scheme is not ("http" or "https"))
        {
            throw new FormatException("The Qdrant connection string needs 'Endpoint=http(s)://host:port' (the gRPC port, 6334 by default).");
        }

        var apiKey = builder.TryGetValue("Key", out var keyValue) && keyValue is string key && key.Length > 0 ? key : null;
        return new QdrantConnectionString(endpoint, apiKey);
    }
}
