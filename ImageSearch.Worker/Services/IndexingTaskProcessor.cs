using System.Diagnostics;
using ImageSearch.Indexing.Imaging;
using ImageSearch.Indexing.Telemetry;

namespace ImageSearch.Worker.Services;

/// <summary>
/// Indexes a batch: embeds every image (decoding in parallel with inference), then writes all the vectors
/// in one upsert. An image that cannot be loaded fails alone; a vector store failure fails the whole batch
/// as transient, so the queue retries it.
/// Spans: each task's "load image" and "embed image" go under its "process task" span; the one upsert shows in
/// each task's trace as an "upsert vector" span covering the shared call.
/// </summary>
public sealed class IndexingTaskProcessor(
    IImageEmbedder embedder,
    IVectorStore store,
    TimeProvider timeProvider,
    ILogger<IndexingTaskProcessor> logger) : ITaskProcessor
{
    public async Task<IReadOnlyDictionary<string, TaskOutcome>> ProcessAsync(
        IReadOnlyList<QueuedTask> tasks, CancellationToken cancellationToken)
    {
        var outcomes = new Dictionary<string, TaskOutcome>(tasks.Count);
        IReadOnlyList<EmbeddingResult> embeddings;
        using (ImageSearchTelemetry.ParentBatchItems(tasks.Select(task => new SpanParent(QueueTelemetry.SpanOf(task), QueueTelemetry.TagsOf(task))).ToList()))
        {
            embeddings = await embedder.EmbedBatchAsync(tasks.Select(ImageSourceOf).ToList(), cancellationToken);
        }

        var indexedAt = timeProvider.GetUtcNow();
        var points = new List<VectorPoint>(tasks.Count);
        for (var i = 0; i < tasks.Count; i++)
        {
            var (task, embedding) = (tasks[i], embeddings[i]);
            if (embedding.Vector is { } vector)
            {
                points.Add(new VectorPoint(task.ProductId, vector, PayloadOf(task, indexedAt)));
            }
            else
            {
                outcomes[task.TaskId] = FailureOf(embedding.Error);
                logger.LogWarning("Task {TaskId} for product {ProductId}: image not indexed: {Error}",
                    task.TaskId, task.ProductId, embedding.Error?.Message);
            }
        }

        if (points.Count == 0)
        {
            return outcomes;
        }

        var indexed = tasks.Where(task => !outcomes.ContainsKey(task.TaskId)).ToList();
        var current = Activity.Current;
        var upsertSpans = StartUpsertSpans(indexed);
        try
        {
            await store.UpsertAsync(points, cancellationToken);
        }
        catch (Exception ex)
        {
            foreach (var span in upsertSpans)
            {
                span.SetStatus(ActivityStatusCode.Error, ex.Message);
            }

            throw;
        }
        finally
        {
            foreach (var span in upsertSpans)
            {
                span.Dispose();
            }

            Activity.Current = current;
        }

        var result = new Dictionary<string, string>
        {
            ["model"] = embedder.Model.Key,
            ["dimensions"] = embedder.Model.Dimensions.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["indexed_at"] = indexedAt.ToString("O")
        };
        foreach (var task in indexed)
        {
            outcomes[task.TaskId] = TaskOutcome.Success(result);
        }

        return outcomes;
    }

    private static List<Activity> StartUpsertSpans(IReadOnlyList<QueuedTask> indexed)
    {
        var current = Activity.Current;
        var spans = new List<Activity>(indexed.Count);
        foreach (var task in indexed)
        {
            var parent = QueueTelemetry.SpanOf(task);
            if (parent != default
                && ImageSearchTelemetry.ActivitySource.StartActivity("upsert vector", ActivityKind.Client, parent, QueueTelemetry.TagsOf(task)) is { } span)
            {
                span.SetTag(ImageSearchTelemetry.BatchSizeTag, indexed.Count);
                spans.Add(span);
            }
        }

        // The store's own spans (Redis commands) belong under the batch's span, or the task's when it is alone.
        Activity.Current = spans.Count == 1 ? spans[0] : current;
        return spans;
    }

    private static ImageSource ImageSourceOf(QueuedTask task) => task.ImagePath is { Length: > 0 } path
        ? new ImageSource.File(path)
        : new ImageSource.Url(new Uri(task.ImageUrl!));

    private ProductPayload PayloadOf(QueuedTask task, DateTimeOffset indexedAt) => new(
        task.ProductId, task.Name, task.Description, task.ImagePath ?? task.ImageUrl!, task.Metadata,
        embedder.Model.Key, indexedAt);

    // The task record keeps a stable reason any reader may see; the full error (path, URL, exception) is in the log above.
    private static TaskOutcome FailureOf(Exception? error) => error switch
    {
        ImageLoadException { IsTransient: false } permanent => TaskOutcome.Permanent(ImageFailureReasons.Of(permanent.Kind)),
        ImageLoadException transient => TaskOutcome.Transient(ImageFailureReasons.Of(transient.Kind)),
        _ => TaskOutcome.Transient(ImageFailureReasons.EmbeddingFailed)
    };
}
