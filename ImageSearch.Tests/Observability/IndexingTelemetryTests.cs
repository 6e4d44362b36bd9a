using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using ImageSearch.Indexing.Queue;
using ImageSearch.Indexing.Telemetry;
using ImageSearch.Indexing.VectorStore;
using ImageSearch.Indexing.VectorStore.Embedded;
using ImageSearch.Tests.Embedding;
using ImageSearch.Tests.Imaging;
using ImageSearch.Tests.Infrastructure;
using ImageSearch.Tests.Queue;
using Eventually = ImageSearch.Tests.Infrastructure.Eventually;
using ImageSearch.Worker.Services;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using OpenTelemetry;
using OpenTelemetry.Trace;
using SkiaSharp;

namespace ImageSearch.Tests.Observability;

// The real worker path (queue on a real server, ResNet18, embedded store) seen through OpenTelemetry and the meter.
[Collection(EmbedderCollection.Name)]
public sealed class IndexingTelemetryTests(EmbedderFixture embedder) : IAsyncLifetime
{
    private readonly List<Activity> _spans = [];
    private readonly ConcurrentBag<(string Instrument, double Value, string? WorkerId)> _measurements = [];
    private TracerProvider _tracing = null!;
    private MeterListener _meters = null!;
    private QueueTestServer _server = null!;

    public async ValueTask InitializeAsync()
    {
        // As the service defaults collect them: every ImageSearch source.
        _tracing = Sdk.CreateTracerProviderBuilder()
            .AddSource("ImageSearch", "ImageSearch.*")
            .AddInMemoryExporter(_spans)
            .Build()!;
        _meters = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == ImageSearchTelemetry.Name)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            }
        };
        _meters.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        _meters.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Record(instrument, value, tags));
        _meters.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
        _meters.Start();
        _server = await QueueTestServer.StartAsync(RedisServerKind.Redis);
    }

    [Fact]
    public async Task Each_task_is_one_trace_from_enqueue_through_load_embed_and_upsert()
    {
        var workerId = $"traced-{Guid.NewGuid():N}";
        var requests = new List<(Activity Request, string TaskId, string ProductId)>();
        for (var i = 0; i < 2; i++)
        {
            var productId = $"p-trace-{i}";
            var path = WriteScene($"trace/{productId}.jpg", seed: i + 1);
            // Stands for the API's request span, which the service's sampler records.
            using var request = new Activity("POST /queue/enqueue").SetIdFormat(ActivityIdFormat.W3C);
            request.ActivityTraceFlags = ActivityTraceFlags.Recorded;
            request.Start();
            var result = await _server.Queue().EnqueueAsync(new NewTask(productId, path, null));
            requests.Add((request, result.TaskId, productId));
        }

        await RunWorkerUntilFinishedAsync(workerId, requests.Select(r => r.TaskId).ToList());

        var batch = Assert.Single(_spans, s => s.OperationName == "process batch" && Equals(s.GetTagItem(ImageSearchTelemetry.WorkerIdTag), workerId));
        foreach (var (request, taskId, productId) in requests)
        {
            var trace = _spans.Where(s => s.TraceId == request.TraceId).ToList();
            var enqueue = Assert.Single(trace, s => s.OperationName == "enqueue tasks");
            Assert.Equal(request.SpanId, enqueue.ParentSpanId);
            var process = Assert.Single(trace, s => s.OperationName == "process task");
            Assert.Equal(enqueue.SpanId, process.ParentSpanId);
            AssertAbout(process, taskId, productId);
            Assert.Contains(batch.Links, link => link.Context.SpanId == process.SpanId);

            foreach (var name in new[] { "load image", "embed image", "upsert vector" })
            {
                var child = Assert.Single(trace, s => s.OperationName == name);
                Assert.Equal(process.SpanId, child.ParentSpanId);
                AssertAbout(child, taskId, productId);
                Assert.NotEqual(ActivityStatusCode.Error, child.Status);
            }

            var load = Assert.Single(trace, s => s.OperationName == "load image");
            Assert.Contains(trace, s => s.OperationName == "decode image" && s.ParentSpanId == load.SpanId);
        }
    }

    [Fact]
    public async Task A_bad_image_is_a_warning_whose_scope_names_the_task_product_and_worker()
    {
        var workerId = $"logged-{Guid.NewGuid():N}";
        var missing = await _server.Queue().EnqueueAsync(new NewTask("p-log-missing", "log/absent.jpg", null));
        var logs = new FakeLogCollector();
        using var loggers = LoggerFactory.Create(logging => logging.SetMinimumLevel(LogLevel.Debug).AddProvider(new FakeLoggerProvider(logs)));

        await RunWorkerUntilFinishedAsync(workerId, [missing.TaskId], loggers);

        // Nothing went wrong with the service, so nothing is an error.
        Assert.DoesNotContain(logs.GetSnapshot(), record => record.Level >= LogLevel.Error);
        var deadLettered = Assert.Single(logs.GetSnapshot(), record => record.Message.Contains("dead-lettered", StringComparison.Ordinal));
        Assert.Equal(LogLevel.Warning, deadLettered.Level);
        var scope = deadLettered.Scopes.OfType<IEnumerable<KeyValuePair<string, object>>>().SelectMany(pairs => pairs)
            .ToDictionary(pair => pair.Key, pair => pair.Value);
        Assert.Equal(missing.TaskId, scope["TaskId"]);
        Assert.Equal("p-log-missing", scope["ProductId"]);
        Assert.Equal(workerId, scope["WorkerId"]);
        // The processor's own warning carries the batch's scope.
        var notIndexed = Assert.Single(logs.GetSnapshot(), record => record.Category == typeof(IndexingTaskProcessor).FullName);
        Assert.Equal(LogLevel.Warning, notIndexed.Level);
        Assert.Contains(notIndexed.Scopes.OfType<IEnumerable<KeyValuePair<string, object>>>().SelectMany(pairs => pairs),
            pair => pair.Key == "WorkerId" && Equals(pair.Value, workerId));
    }

    [Fact]
    public async Task Completions_failures_durations_and_batch_sizes_are_recorded_in_the_ImageSearch_meter()
    {
        var workerId = $"metered-{Guid.NewGuid():N}";
        var queue = _server.Queue();
        var good = await queue.EnqueueAsync(new NewTask("p-metric-good", WriteScene("metric/good.jpg", seed: 7), null));
        // Permanent: no such file, so it goes straight to the dead-letter list.
        var missing = await queue.EnqueueAsync(new NewTask("p-metric-missing", "metric/absent.jpg", null));

        await RunWorkerUntilFinishedAsync(workerId, [good.TaskId, missing.TaskId]);

        var mine = _measurements.Where(m => m.WorkerId == workerId).ToList();
        Assert.Equal(1, mine.Where(m => m.Instrument == "imagesearch.queue.tasks.completed").Sum(m => m.Value));
        Assert.Equal(1, mine.Where(m => m.Instrument == "imagesearch.queue.tasks.failed").Sum(m => m.Value));
        Assert.Equal(2, Assert.Single(mine, m => m.Instrument == "imagesearch.queue.batch.size").Value);
        Assert.True(Assert.Single(mine, m => m.Instrument == "imagesearch.queue.task.duration").Value > 0);
        Assert.Contains(_measurements, m => m.Instrument == "imagesearch.embedding.duration" && m.Value > 0);

        // The gauges report what the last fetch of the figures found: the dead letter is there.
        await queue.GetStatsAsync();
        _meters.RecordObservableInstruments();
        Assert.Contains(_measurements, m => m.Instrument == "imagesearch.queue.dead" && m.Value >= 1);
        Assert.Contains(_measurements, m => m.Instrument == "imagesearch.queue.length");
    }

    private async Task RunWorkerUntilFinishedAsync(string workerId, IReadOnlyList<string> taskIds, ILoggerFactory? loggers = null)
    {
        loggers ??= NullLoggerFactory.Instance;
        var options = new VectorStoreOptions { CollectionName = $"telemetry-{Guid.NewGuid():N}" };
        using var store = new EmbeddedVectorStore(_server.Connection, options, VectorStoreResilience.Create(options));
        var processor = new IndexingTaskProcessor(embedder.Embedder, store, TimeProvider.System, loggers.CreateLogger<IndexingTaskProcessor>());
        var connection = await _server.ConnectAsync();
        // Every task enqueued before the worker starts, so they arrive as one batch.
        var consumer = new QueueConsumer(_server.Queue(connection: connection), new WorkerRegistry(connection),
            Options.Create(new ConsumerOptions
            {
                WorkerId = workerId,
                BatchSize = taskIds.Count,
                PollInterval = TimeSpan.FromMilliseconds(100),
                HeartbeatInterval = TimeSpan.FromMilliseconds(250),
                HeartbeatTimeToLive = TimeSpan.FromSeconds(2)
            }),
            TimeProvider.System, loggers.CreateLogger<QueueConsumer>(), processor);
        var queue = _server.Queue();
        using var stop = new CancellationTokenSource();
        var run = consumer.RunAsync(stop.Token);
        await Eventually.HoldsAsync(async () =>
        {
            foreach (var taskId in taskIds)
            {
                if ((await queue.GetAsync(taskId))!.Status is not (TaskStatuses.Completed or TaskStatuses.Dead))
                {
                    return false;
                }
            }

            return true;
        }, "every task is finished");
        await stop.CancelAsync();
        await run;
        _tracing.ForceFlush();
    }

    private string WriteScene(string relativePath, int seed)
    {
        using var scene = TestImages.Scene(320, 240, seed);
        embedder.WriteFile(relativePath, TestImages.Encode(scene, SKEncodedImageFormat.Jpeg));
        return relativePath;
    }

    private static void AssertAbout(Activity span, string taskId, string productId)
    {
        Assert.Equal(taskId, span.GetTagItem(ImageSearchTelemetry.TaskIdTag));
        Assert.Equal(productId, span.GetTagItem(ImageSearchTelemetry.ProductIdTag));
    }

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        string? workerId = null;
        foreach (var tag in tags)
        {
            if (tag.Key == ImageSearchTelemetry.WorkerIdTag)
            {
                workerId = tag.Value as string;
            }
        }

        _measurements.Add((instrument.Name, value, workerId));
    }

    public async ValueTask DisposeAsync()
    {
        _meters.Dispose();
        _tracing.Dispose();
        await _server.DisposeAsync();
    }
}
