using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Numerics.Tensors;
using System.Threading.Channels;
using ImageSearch.Indexing.Imaging;
using ImageSearch.Indexing.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.ML.OnnxRuntime;
using SkiaSharp;

namespace ImageSearch.Indexing.Embedding;

/// <summary>
/// Embeds images with an ONNX model described by a manifest (ResNet18 by default). One instance, and so one
/// <see cref="InferenceSession"/>, per process: the session is thread-safe and loading it costs ~64 MB and a second.
/// </summary>
public sealed class OnnxImageEmbedder : IImageEmbedder, IDisposable
{
    public static ActivitySource ActivitySource => ImageSearchTelemetry.ActivitySource;

    private static readonly Histogram<double> EmbeddingDuration = ImageSearchTelemetry.Meter.CreateHistogram<double>(
        "imagesearch.embedding.duration", "s", "Model inference time for one image (decoding not included).");

    private readonly ImageLoader _loader;
    private readonly InferenceSession _session;
    private readonly ModelInputNormalizer _normalizer;
    private readonly ModelManifest _manifest;
    private readonly long[] _inputShape;
    private readonly int _decodeParallelism;
    private readonly ConcurrentBag<float[]> _freeTensors = [];

    public OnnxImageEmbedder(ImageLoader loader, IOptions<EmbeddingOptions> options, ILogger<OnnxImageEmbedder> logger)
    {
        _loader = loader;
        var settings = options.Value;
        var modelsPath = Path.Combine(AppContext.BaseDirectory, settings.ModelsPath);
        (_manifest, var folder) = ModelManifest.Find(modelsPath, settings.ModelId);
        var modelFile = Path.Combine(folder, _manifest.File);
        if (!File.Exists(modelFile))
        {
            throw new InvalidOperationException($"The model file '{modelFile}' named in the manifest of '{_manifest.Id}' does not exist.");
        }

        using var sessionOptions = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            IntraOpNumThreads = settings.IntraOpThreads
        };
        // Decoding shares the cores: spinning inference threads would take CPU time the decoders need.
        sessionOptions.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        _session = new InferenceSession(modelFile, sessionOptions);
        NativeHeap.Trim();
        _inputShape = CheckModelShape();
        _normalizer = new ModelInputNormalizer(_manifest.Input, folder);
        _decodeParallelism = settings.DecodeParallelism > 0 ? settings.DecodeParallelism : Environment.ProcessorCount;
        Model = new EmbeddingModelInfo(_manifest.Id, _manifest.Version, _manifest.Output.Dimensions);
        logger.LogInformation("Embedding model {ModelKey} loaded from {ModelFile} ({Dimensions} dimensions, mean {MeanKind}, {Threads} intra-op threads)",
            Model.Key, modelFile, Model.Dimensions, _normalizer.UsesMeanImage ? "image" : "per channel",
            settings.IntraOpThreads > 0 ? settings.IntraOpThreads : Environment.ProcessorCount);
    }

    public EmbeddingModelInfo Model { get; }

    public async Task<float[]> EmbedAsync(ImageSource source, CancellationToken cancellationToken = default)
    {
        using var picture = NewPicture();
        var tensor = RentTensor();
        try
        {
            using (ActivitySource.StartActivity("load image"))
            {
                await PrepareAsync(source, picture, tensor, cancellationToken);
            }

            using var embed = ActivitySource.StartActivity("embed image");
            return Infer(tensor);
        }
        finally
        {
            _freeTensors.Add(tensor);
        }
    }

    /// <summary>
    /// A pipeline: <see cref="EmbeddingOptions.DecodeParallelism"/> decoders read, decode and normalise images into
    /// a small bounded channel while one loop runs inference, one image at a time (the model's batch size is 1).
    /// Each image's "load image" and "embed image" spans go under the parent its caller gave
    /// (<see cref="ImageSearchTelemetry.ParentBatchItems"/>), else under the "embed batch" span.
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
        var prepared = Channel.CreateBounded<(int Index, float[] Tensor)>(
            new BoundedChannelOptions(decoderCount + 1) { SingleReader = true });
        var next = -1;

        async Task DecodeAsync()
        {
            using var picture = NewPicture();
            for (var index = Interlocked.Increment(ref next); index < sources.Count; index = Interlocked.Increment(ref next))
            {
                var tensor = RentTensor();
                var current = Activity.Current;
                var load = ImageSearchTelemetry.StartBatchItemActivity("load image", index);
                try
                {
                    await PrepareAsync(sources[index], picture, tensor, cancellationToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    load?.SetStatus(ActivityStatusCode.Error, ex.Message);
                    _freeTensors.Add(tensor);
                    results[index] = new EmbeddingResult(null, ex);
                    continue;
                }
                finally
                {
                    load?.Dispose();
                    Activity.Current = current;
                }

                await prepared.Writer.WriteAsync((index, tensor), cancellationToken);
            }
        }

        var decoders = Enumerable.Range(0, decoderCount).Select(_ => Task.Run(DecodeAsync, cancellationToken)).ToArray();
        var decodingDone = Task.WhenAll(decoders).ContinueWith(
            done => prepared.Writer.TryComplete(done.Exception?.GetBaseException()), TaskScheduler.Default);

        await Task.Run(async () =>
        {
            await foreach (var (index, tensor) in prepared.Reader.ReadAllAsync(cancellationToken))
            {
                var current = Activity.Current;
                var embed = ImageSearchTelemetry.StartBatchItemActivity("embed image", index);
                try
                {
                    results[index] = new EmbeddingResult(Infer(tensor), null);
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
                    _freeTensors.Add(tensor);
                }
            }
        }, cancellationToken);

        await decodingDone;
        await Task.WhenAll(decoders);
        activity?.SetTag("embedding.failed", results.Count(result => !result.Succeeded));
        return results;
    }

    /// <summary>Reads, decodes and normalises one image into <paramref name="tensor"/>.</summary>
    internal async Task PrepareAsync(ImageSource source, SKBitmap picture, float[] tensor, CancellationToken cancellationToken)
    {
        var encoded = await _loader.ReadAsync(source, cancellationToken);
        cancellationToken.ThrowIfCancellationRequested();
        _loader.Render(encoded.Span, picture);
        _normalizer.Write(picture, tensor);
    }

    /// <summary>Runs the model on one prepared tensor and returns the L2-normalised feature vector.</summary>
    internal float[] Infer(float[] tensor)
    {
        var started = Stopwatch.GetTimestamp();
        using var input = OrtValue.CreateTensorValueFromMemory(tensor, _inputShape);
        using var runOptions = new RunOptions();
        using var outputs = _session.Run(runOptions, [_manifest.Input.Name], [input], [_manifest.Output.Name]);
        var vector = outputs[0].GetTensorDataAsSpan<float>().ToArray();
        var norm = TensorPrimitives.Norm(vector);
        if (norm > 0)
        {
            TensorPrimitives.Divide(vector, norm, vector);
        }

        EmbeddingDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, new KeyValuePair<string, object?>("imagesearch.model", Model.Key));
        return vector;
    }

    private long[] CheckModelShape()
    {
        var input = _manifest.Input;
        if (!_session.InputMetadata.TryGetValue(input.Name, out var inputMetadata))
        {
            throw new InvalidOperationException($"The model '{_manifest.Id}' has no input '{input.Name}'; it has {string.Join(", ", _session.InputNames)}.");
        }

        if (!_session.OutputMetadata.TryGetValue(_manifest.Output.Name, out var outputMetadata))
        {
            throw new InvalidOperationException($"The model '{_manifest.Id}' has no output '{_manifest.Output.Name}'; it has {string.Join(", ", _session.OutputNames)}.");
        }

        var outputLength = outputMetadata.Dimensions.Skip(1).Aggregate(1L, (product, dim) => product * Math.Max(dim, 1));
        if (outputLength != _manifest.Output.Dimensions)
        {
            throw new InvalidOperationException($"The model '{_manifest.Id}' outputs {outputLength} values, its manifest says {_manifest.Output.Dimensions}.");
        }

        long[] shape = [1, 3, input.Height, input.Width];
        var declared = inputMetadata.Dimensions;
        if (declared.Length != 4 || declared.Zip(shape).Any(pair => pair.First > 0 && pair.First != pair.Second))
        {
            throw new InvalidOperationException(
                $"The model '{_manifest.Id}' expects input [{string.Join(",", declared)}], its manifest says [{string.Join(",", shape)}].");
        }

        return shape;
    }

    internal SKBitmap NewPicture() =>
        new(new SKImageInfo(_manifest.Input.Width, _manifest.Input.Height, SKColorType.Rgba8888, SKAlphaType.Premul));

    internal float[] RentTensor() => _freeTensors.TryTake(out var tensor) ? tensor : new float[_normalizer.TensorLength];

    public void Dispose() => _session.Dispose();
}
