namespace ImageSearch.Indexing.VectorStore;

/// <summary>The input checks both stores make, so bad input fails the same way whichever store runs.</summary>
internal static class VectorStoreValidation
{
    public static void ValidateProductId(string? productId, string parameterName)
    {
        if (string.IsNullOrWhiteSpace(productId))
        {
            throw new ArgumentException("A product id must not be empty.", parameterName);
        }
    }

    public static void ValidatePoints(IReadOnlyList<VectorPoint> points, int dimensions)
    {
        ArgumentNullException.ThrowIfNull(points);
        for (var i = 0; i < points.Count; i++)
        {
            var point = points[i] ?? throw new ArgumentException($"Point {i} is null.", nameof(points));
            ValidateProductId(point.ProductId, nameof(points));
            var payload = point.Payload ?? throw new ArgumentException($"Point '{point.ProductId}' has no payload.", nameof(points));
            if (payload.ProductId != point.ProductId)
            {
                throw new ArgumentException(
                    $"Point '{point.ProductId}' carries the payload of product '{payload.ProductId}'.", nameof(points));
            }

            if (string.IsNullOrWhiteSpace(payload.ModelKey))
            {
                throw new ArgumentException($"Point '{point.ProductId}' has no model key.", nameof(points));
            }

            ValidateVector(point.Vector, dimensions, nameof(points), $"Point '{point.ProductId}'");
            ValidateMetadataKeys(payload.Metadata, nameof(points));
        }
    }

    public static void ValidateQuery(VectorSearchQuery query, int dimensions)
    {
        ArgumentNullException.ThrowIfNull(query);
        ValidateVector(query.Vector, dimensions, nameof(query), "The query vector");
        if (string.IsNullOrWhiteSpace(query.ModelKey))
        {
            throw new ArgumentException("A search needs the model key of its vector.", nameof(query));
        }

        if (query.Limit <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(query), query.Limit, "The limit must be positive.");
        }

        if (query.Offset < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(query), query.Offset, "The offset must not be negative.");
        }

        if (query.MinScore is { } minScore && !float.IsFinite(minScore))
        {
            throw new ArgumentOutOfRangeException(nameof(query), minScore, "The minimum score must be a finite number.");
        }

        if (query.Filter is not null)
        {
            ValidateMetadataKeys(query.Filter, nameof(query));
        }
    }

    private static void ValidateVector(float[]? vector, int dimensions, string parameterName, string what)
    {
        if (vector is null)
        {
            throw new ArgumentException($"{what} has no vector.", parameterName);
        }

        if (vector.Length != dimensions)
        {
            throw new ArgumentException(
                $"{what} has {vector.Length} dimensions; this store holds vectors of {dimensions}.", parameterName);
        }

        var sumOfSquares = 0.0;
        foreach (var value in vector)
        {
            if (!float.IsFinite(value))
            {
                throw new ArgumentException($"{what} contains NaN or infinity.", parameterName);
            }

            sumOfSquares += value * value;
        }

        if (sumOfSquares == 0)
        {
            throw new ArgumentException($"{what} is all zeros: it has no direction to compare.", parameterName);
        }
    }

    // Qdrant reads a dot in a filter key as a path into nested objects; refusing it keeps both stores alike.
    private static void ValidateMetadataKeys(IReadOnlyDictionary<string, string>? metadata, string parameterName)
    {
        if (metadata is null)
        {
            throw new ArgumentException("Metadata must not be null (use an empty dictionary).", parameterName);
        }

        foreach (var (key, value) in metadata)
        {
            if (string.IsNullOrWhiteSpace(key) || key.Contains('.'))
            {
                throw new ArgumentException($"Metadata field '{key}' is empty or contains a dot.", parameterName);
            }

            if (value is null)
            {
                throw new ArgumentException($"Metadata field '{key}' has a null value.", parameterName);
            }
        }
    }
}
