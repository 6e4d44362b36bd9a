using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace ImageSearch.Indexing.Telemetry;

/// <summary>
/// The one activity source and the one meter every ImageSearch component reports under, the attribute names they
/// share, and how a batch's caller hands each item's parent span to code that works on the whole batch.
/// </summary>
public static class ImageSearchTelemetry
{
    public const string Name = "ImageSearch";

    public const string TaskIdTag = "imagesearch.task.id";
    public const string ProductIdTag = "imagesearch.product.id";
    public const string WorkerIdTag = "imagesearch.worker.id";
    public const string BatchSizeTag = "imagesearch.batch.size";

    public static readonly ActivitySource ActivitySource = new(Name);

    public static readonly Meter Meter = new(Name);

    private static readonly AsyncLocal<IReadOnlyList<SpanParent>?> BatchItemParents = new();

    /// <summary>
    /// Until disposed, spans that batch code (the embedder) starts for item i are children of <paramref name="parents"/>[i]
    /// and carry its tags, so each task's trace holds its own load and embed spans although the batch runs as one.
    /// </summary>
    public static IDisposable ParentBatchItems(IReadOnlyList<SpanParent> parents)
    {
        var previous = BatchItemParents.Value;
        BatchItemParents.Value = parents;
        return new Restore(() => BatchItemParents.Value = previous);
    }

    /// <summary>A span for item <paramref name="index"/> of the current batch: under its parent if one was given, else under the current span.</summary>
    public static Activity? StartBatchItemActivity(string name, int index)
    {
        if (BatchItemParents.Value is { } parents && index < parents.Count && parents[index] is { Context: var context, Tags: var tags }
            && context != default)
        {
            return ActivitySource.StartActivity(name, ActivityKind.Internal, context, tags);
        }

        return ActivitySource.StartActivity(name);
    }

    private sealed class Restore(Action restore) : IDisposable
    {
        public void Dispose() => restore();
    }
}

/// <summary>The span a batch item's work belongs to, and the attributes (task and product ids) its spans repeat.</summary>
public sealed record SpanParent(ActivityContext Context, IReadOnlyList<KeyValuePair<string, object?>> Tags);
