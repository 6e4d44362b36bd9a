using System.Diagnostics;
using ImageSearch.Indexing.Imaging;
using ImageSearch.Indexing.Telemetry;
using Microsoft.ML.OnnxRuntime;

namespace ImageSearch.Worker.Services;

/// <summary>
/// Indexes a batch in four steps: load every image (file, URL) and decode it into the model's input, a few at a time;
/// embed them one after another on the model's own threads; then upsert all the vectors in one call. An image that
/// cannot be loaded or decoded fails alone; a vector store failure fails the whole batch as transient, so the queue
/// retries it. Spans: each task's "load image" (with "decode image" under it) and "embed image" go under its
/// "process task" span; the one upsert shows in each task's trace as an "upsert vector" span covering the shared call.
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
        var images = new PreparedImage?[tasks.Count];
        var errors = new Exception?[tasks.Count];
        var vectors = new float[]?[tasks.Count];
        try
        {
            using (ImageSearchTelemetry.ParentBatchItems(tasks.Select(task => new SpanParent(QueueTelemetry.SpanOf(task), QueueTelemetry.TagsOf(task))).ToList()))
            {
                await LoadAndDecodeAsync(tasks, images, errors, cancellationToken);
                Embed(images, vectors, errors, cancellationToken);
            }
        }
        finally
        {
            foreach (var image in images)
            {
                image?.Dispose();
            }
        }

        var outcomes = new Dictionary<string, TaskOutcome>(tasks.Count);
        var indexedAt = timeProvider.GetUtcNow();
        var points = new List<VectorPoint>(tasks.Count);
        for (var i = 0; i < tasks.Count; i++)
        {
            var task = tasks[i];
            if (vectors[i] is { } vector)
            {
                points.Add(new VectorPoint(task.ProductId, vector, PayloadOf(task, indexedAt)));
            }
            else
            {
                outcomes[task.TaskId] = FailureOf(errors[i]);
                logger.LogWarning("Task {TaskId} for product {ProductId}: image not indexed: {Error}",
                    task.TaskId, task.ProductId, errors[i]?.Message);
            }
        }

        if (points.Count == 0)
        {
            return outcomes;
        }

        var indexed = tasks.Where(task => !outcomes.ContainsKey(task.TaskId)).ToList();
        await UpsertAsync(indexed, points, cancellationToken);

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

    /// <summary>Load and decode: I/O and CPU, <see cref="IImageEmbedder.DecodeParallelism"/> images at a time.</summary>
    private Task LoadAndDecodeAsync(IReadOnlyList<QueuedTask> tasks, PreparedImage?[] images, Exception?[] errors, CancellationToken cancellationToken) =>
        Parallel.ForEachAsync(Enumerable.Range(0, tasks.Count),
            new ParallelOptions { MaxDegreeOfParallelism = embedder.DecodeParallelism, CancellationToken = cancellationToken },
            async (i, token) =>
            {
                using var load = ImageSearchTelemetry.StartBatchItemActivity("load image", i);
                try
                {
                    var encoded = await embedder.Preparer.LoadAsync(ImageSourceOf(tasks[i]), token);
                    token.ThrowIfCancellationRequested();
                    images[i] = embedder.Preparer.Decode(encoded.Span);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    load?.SetStatus(ActivityStatusCode.Error, ex.Message);
                    errors[i] = ex;
                }
            });

    /// <summary>Embed: one image after another, each inference using the model's intra-op threads.</summary>
    private void Embed(PreparedImage?[] images, float[]?[] vectors, Exception?[] errors, CancellationToken cancellationToken)
    {
        for (var i = 0; i < images.Length; i++)
        {
            if (images[i] is not { } image)
            {
                continue;
            }

            cancellationToken.ThrowIfCancellationRequested();
            var current = Activity.Current;
            var embed = ImageSearchTelemetry.StartBatchItemActivity("embed image", i);
            try
            {
                vectors[i] = embedder.Embed(image);
            }
            catch (OnnxRuntimeException ex)
            {
                embed?.SetStatus(ActivityStatusCode.Error, ex.Message);
                errors[i] = ex;
            }
            finally
            {
                embed?.Dispose();
                Activity.Current = current;
            }
        }
    }

    private async Task UpsertAsync(IReadOnlyList<QueuedTask> indexed, List<VectorPoint> points, CancellationToken cancellationToken)
    {
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
        embedder.Model.Key, indexedAt, task.Sequence);

    // The task record keeps a stable reason any reader may see; the full error (path, URL, exception) is in the log above.
    private static TaskOutcome FailureOf(Exception? error) => error switch
    {
        ImageLoadException { IsTransient: false } permanent => TaskOutcome.Permanent(ImageFailureReasons.Of(permanent.Kind)),
        ImageLoadException transient => TaskOutcome.Transient(ImageFailureReasons.Of(transient.Kind)),
        _ => TaskOutcome.Transient(ImageFailureReasons.EmbeddingFailed)
    };
}
