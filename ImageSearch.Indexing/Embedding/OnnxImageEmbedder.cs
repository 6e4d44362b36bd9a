using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Threading.Channels;
using ImageSearch.Indexing.Imaging;
using ImageSearch.Indexing.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.ML.OnnxRuntime;

namespace ImageSearch.Indexing.Embedding;

/// <summary>
/// Embeds images with an ONNX model described by a manifest (ResNet18 by default): the <see cref="ImagePreparer"/>
/// loads and decodes, the <see cref="OnnxModelRunner"/> runs the network, and the manifest's descriptor pools its
/// feature map (and whitens it). One instance per process: loading the session costs ~64 MB and a second.
/// </summary>
public sealed class OnnxImageEmbedder : IImageEmbedder, IDisposable
{
    public static ActivitySource ActivitySource => ImageSearchTelemetry.ActivitySource;

    private static readonly Histogram<double> EmbeddingDuration = ImageSearchTelemetry.Meter.CreateHistogram<double>(
        "imagesearch.embedding.duration", "s", "Model inference time for one image (decoding not included).");

    private readonly OnnxModelRunner _runner;
    private readonly ModelDescriptor? _descriptor;
    private readonly PcaWhitening? _whitening;
    private readonly int _decodeParallelism;

    public OnnxImageEmbedder(ImageLoader loader, ImageDecoder decoder, IOptions<EmbeddingOptions> options, ILogger<OnnxImageEmbedder> logger)
    {
        var settings = options.Value;
        var modelsPath = Path.Combine(AppContext.BaseDirectory, settings.ModelsPath);
        var (manifest, folder) = ModelManifest.Find(modelsPath, settings.ModelId);
        var modelFile = Path.Combine(folder, manifest.File);
        if (!File.Exists(modelFile))
        {
            throw new InvalidOperationException($"The model file '{modelFile}' named in the manifest of '{manifest.Id}' does not exist.");
        }

        var threads = new EmbeddingOptions
        {
            IntraOpThreads = settings.IntraOpThreads > 0 ? settings.IntraOpThreads : settings.CoresPerReplica,
            CpuMemoryArena = settings.CpuMemoryArena
        };
        _runner = new OnnxModelRunner(modelFile, manifest, threads);
        _descriptor = manifest.Descriptor;
        if (_descriptor?.Whitening is { } whiteningFile)
        {
            _whitening = PcaWhitening.Read(Path.Combine(folder, whiteningFile));
            if (_whitening.InputDimensions != _runner.Channels)
            {
                throw new InvalidOperationException(
                    $"The whitening '{whiteningFile}' of '{manifest.Id}' takes {_whitening.InputDimensions}-d vectors; the model gives {_runner.Channels}.");
            }
        }

        var normalizer = new ModelInputNormalizer(manifest.Input, folder);
        Preparer = new ImagePreparer(loader, decoder, normalizer, manifest.Input, _descriptor);
        _decodeParallelism = settings.DecodeParallelism > 0 ? settings.DecodeParallelism : settings.CoresPerReplica;
        Model = new EmbeddingModelInfo(manifest.Id, manifest.Version, _whitening?.OutputDimensions ?? _runner.Channels);
        logger.LogInformation(
            "Embedding model {ModelKey} loaded from {ModelFile} ({Dimensions} dimensions, {Descriptor}, {Threads} intra-op threads, {Decoders} decoders)",
            Model.Key, modelFile, Model.Dimensions, Describe(_descriptor, _whitening), _runner.IntraOpThreads, _decodeParallelism);
    }

    public EmbeddingModelInfo Model { get; }

    /// <summary>The load and decode steps.</summary>
    public ImagePreparer Preparer { get; }

    /// <summary>Images a batch decodes at the same time.</summary>
    public int DecodeParallelism => _decodeParallelism;

    public async Task<float[]> EmbedAsync(ImageSource source, CancellationToken cancellationToken = default)
    {
        PreparedImage prepared;
        using (ActivitySource.StartActivity("load image"))
        {
            var encoded = await Preparer.LoadAsync(source, cancellationToken);
            cancellationToken.ThrowIfCancellationRequested();
            prepared = Preparer.Decode(encoded.Span);
        }

        using (prepared)
        using (ActivitySource.StartActivity("embed image"))
        {
            return Embed(prepared);
        }
    }

    /// <summary>The embed step: runs the model on each scale of the image and pools the maps into one unit vector.</summary>
    public float[] Embed(PreparedImage image)
    {
        var started = Stopwatch.GetTimestamp();
        var pooled = new float[_runner.Channels];
        foreach (var scale in image.Scales)
        {
            _runner.Run([scale], (_, map, height, width) => Pool(map, height, width, pooled));
        }

        var vector = Finish(pooled);
        NativeMemoryRelease.TrimNativeHeap();
        EmbeddingDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, new KeyValuePair<string, object?>("imagesearch.model", Model.Key));
        return vector;
    }

    /// <summary>
    /// A pipeline: <see cref="EmbeddingOptions.DecodeParallelism"/> decoders load and decode images into a small
    /// bounded channel while one loop runs inference, one image at a time. Each image's "load image" and "embed image"
    /// spans go under the parent its caller gave (<see cref="ImageSearchTelemetry.ParentBatchItems"/>), else under the
    /// "embed batch" span.
    /// </summary>
    public async Task<IReadOnlyList<EmbeddingResult>> EmbedBatchAsync(IReadOnlyList<ImageSource> sources, CancellationToken cancellationToken = default)
    {
        var results = new EmbeddingResult[sources.Count];
        if (sources.Count == 0)
        {
            return results;
        }

        using var activity = ActivitySource.StartActivity("embed batch");
        activity?.SetTag("embedding.batch_size", sources.Count);
        activity?.SetTag("embedding.model", Model.Key);

        var decoderCount = Math.Min(_decodeParallelism, sources.Count);
        var prepared = Channel.CreateBounded<(int Index, PreparedImage Image)>(
            new BoundedChannelOptions(decoderCount + 1) { SingleReader = true });
        var next = -1;

        async Task DecodeAsync()
        {
            for (var index = Interlocked.Increment(ref next); index < sources.Count; index = Interlocked.Increment(ref next))
            {
                var current = Activity.Current;
                var load = ImageSearchTelemetry.StartBatchItemActivity("load image", index);
                PreparedImage image;
                try
                {
                    var encoded = await Preparer.LoadAsync(sources[index], cancellationToken);
                    cancellationToken.ThrowIfCancellationRequested();
                    image = Preparer.Decode(encoded.Span);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    load?.SetStatus(ActivityStatusCode.Error, ex.Message);
                    results[index] = new EmbeddingResult(null, ex);
                    continue;
                }
                finally
                {
                    load?.Dispose();
                    Activity.Current = current;
                }

                await prepared.Writer.WriteAsync((index, image), cancellationToken);
            }
        }

        var decoders = Enumerable.Range(0, decoderCount).Select(_ => Task.Run(DecodeAsync, cancellationToken)).ToArray();
        var decodingDone = Task.WhenAll(decoders).ContinueWith(
            done => prepared.Writer.TryComplete(done.Exception?.GetBaseException()), TaskScheduler.Default);

        await Task.Run(async () =>
        {
            await foreach (var (index, image) in prepared.Reader.ReadAllAsync(cancellationToken))
            {
                var current = Activity.Current;
                var embed = ImageSearchTelemetry.StartBatchItemActivity("embed image", index);
                try
                {
                    results[index] = new EmbeddingResult(Embed(image), null);
                }
                catch (OnnxRuntimeException ex)
                {
                    embed?.SetStatus(ActivityStatusCode.Error, ex.Message);
                    results[index] = new EmbeddingResult(null, ex);
                }
                finally
                {
                    embed?.Dispose();
                    Activity.Current = current;
                    image.Dispose();
                }
            }
        }, cancellationToken);

        await decodingDone;
        await Task.WhenAll(decoders);
        activity?.SetTag("embedding.failed", results.Count(result => !result.Succeeded));
        return results;
    }

    /// <summary>The runner, for benchmarks that time inference alone.</summary>
    internal OnnxModelRunner Runner => _runner;

    private void Pool(ReadOnlySpan<float> map, int height, int width, float[] pooled)
    {
        if (_descriptor is null)
        {
            map[..pooled.Length].CopyTo(pooled);
            return;
        }

        FeatureMapPooling.AddNormalised(_descriptor.Pooling, _descriptor.Power, map, height, width, pooled);
    }

    private float[] Finish(float[] pooled)
    {
        if (_whitening is not null)
        {
            return _whitening.Apply(pooled);
        }

        var norm = System.Numerics.Tensors.TensorPrimitives.Norm(pooled);
        if (norm > 0)
        {
            System.Numerics.Tensors.TensorPrimitives.Divide(pooled, norm, pooled);
        }

        return pooled;
    }

    private static string Describe(ModelDescriptor? descriptor, PcaWhitening? whitening) => descriptor is null
        ? "the graph's output"
        : $"{descriptor.Pooling} of the feature map, {descriptor.Fit} at {string.Join("/", descriptor.Sizes ?? [])}" +
          (whitening is null ? "" : $", whitened {whitening.InputDimensions}→{whitening.OutputDimensions}");

    public void Dispose() => _runner.Dispose();
}
