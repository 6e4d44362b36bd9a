using System.Buffers;
using System.Runtime.CompilerServices;
using Microsoft.ML.OnnxRuntime;

namespace ImageSearch.Indexing.Embedding;

/// <summary>Reads one image's feature map, <c>[channels, height, width]</c>, while the output tensor is alive.</summary>
public delegate void FeatureMapReader(int index, ReadOnlySpan<float> map, int height, int width);

/// <summary>
/// The model and nothing else: one <see cref="InferenceSession"/> (thread-safe; ~64 MB of weights) that runs a batch
/// of same-sized input tensors and hands each image's feature map to a reader, without copying it out.
/// </summary>
public sealed class OnnxModelRunner : IDisposable
{
    private readonly InferenceSession _session;
    private readonly string _inputName;
    private readonly string _outputName;

    public OnnxModelRunner(string modelFile, ModelManifest manifest, EmbeddingOptions settings)
    {
        _inputName = manifest.Input.Name;
        _outputName = manifest.Output.Name;
        Channels = manifest.Output.Dimensions;
        IntraOpThreads = settings.IntraOpThreads > 0 ? settings.IntraOpThreads : Environment.ProcessorCount;

        NativeMemoryRelease.LimitMallocArenas();
        using var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            IntraOpNumThreads = IntraOpThreads,
            // Input sizes vary from image to image: a memory pattern planned for one size is wasted on the next.
            EnableMemoryPattern = false,
            EnableCpuMemArena = settings.CpuMemoryArena
        };
        // Decoding shares the cores: spinning inference threads would take CPU time the decoders need.
        options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        // Weights straight from the allocator, not carved out of an arena that would then stay at its high-water mark.
        options.AddSessionConfigEntry("session.use_device_allocator_for_initializers", "1");

        FixedInput = manifest.Descriptor is null;
        _session = FixedInput
            ? new InferenceSession(modelFile, options)
            : LoadRewritten(modelFile, _inputName, _outputName, Channels, options);
        NativeMemoryRelease.AfterModelLoad();
        CheckShapes(manifest);
    }

    // A method of its own, not inlined: the model's bytes and their rewritten copy (~120 MB) are then unreachable by the
    // time AfterModelLoad collects. Kept in the constructor's frame, the JIT reported them live and the collection kept them.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static InferenceSession LoadRewritten(string modelFile, string inputName, string outputName, int channels, SessionOptions options) =>
        new(OnnxGraphRewriter.Rewrite(File.ReadAllBytes(modelFile), inputName, outputName, channels), options);

    /// <summary>The feature map's channels (the pooled vector's length before whitening).</summary>
    public int Channels { get; }

    public int IntraOpThreads { get; }

    /// <summary>True for a model loaded as shipped: batch 1 at the manifest's input size only.</summary>
    public bool FixedInput { get; }

    /// <summary>Runs the model on <paramref name="batch"/> (every tensor of the same size) and reads each image's map.</summary>
    public void Run(IReadOnlyList<ModelInputTensor> batch, FeatureMapReader read)
    {
        var (width, height) = (batch[0].Width, batch[0].Height);
        var length = batch[0].Length;
        float[]? joined = null;
        var input = batch[0].Data;
        if (batch.Count > 1)
        {
            joined = ArrayPool<float>.Shared.Rent(length * batch.Count);
            for (var i = 0; i < batch.Count; i++)
            {
                if (batch[i].Width != width || batch[i].Height != height)
                {
                    throw new ArgumentException("Every tensor of a batch must have the same size.", nameof(batch));
                }

                batch[i].Data.AsSpan(0, length).CopyTo(joined.AsSpan(i * length));
            }

            input = joined;
        }

        try
        {
            using var value = OrtValue.CreateTensorValueFromMemory(
                OrtMemoryInfo.DefaultInstance, input.AsMemory(0, length * batch.Count), [batch.Count, 3, height, width]);
            using var runOptions = new RunOptions();
            using var outputs = _session.Run(runOptions, [_inputName], [value], [_outputName]);
            var shape = outputs[0].GetTensorTypeAndShape().Shape;
            var map = outputs[0].GetTensorDataAsSpan<float>();
            var (mapHeight, mapWidth) = shape.Length == 4 ? ((int)shape[2], (int)shape[3]) : (1, 1);
            var perImage = map.Length / batch.Count;
            for (var i = 0; i < batch.Count; i++)
            {
                read(i, map.Slice(i * perImage, perImage), mapHeight, mapWidth);
            }
        }
        finally
        {
            if (joined is not null)
            {
                ArrayPool<float>.Shared.Return(joined);
            }
        }
    }

    private void CheckShapes(ModelManifest manifest)
    {
        if (!_session.InputMetadata.TryGetValue(_inputName, out var inputMetadata))
        {
            throw new InvalidOperationException($"The model '{manifest.Id}' has no input '{_inputName}'; it has {string.Join(", ", _session.InputNames)}.");
        }

        if (!_session.OutputMetadata.TryGetValue(_outputName, out var outputMetadata))
        {
            throw new InvalidOperationException($"The model '{manifest.Id}' has no output '{_outputName}'; it has {string.Join(", ", _session.OutputNames)}.");
        }

        var declared = inputMetadata.Dimensions;
        long[] expected = [1, 3, manifest.Input.Height, manifest.Input.Width];
        if (declared.Length != 4 || declared.Zip(expected).Any(pair => pair.First > 0 && pair.First != pair.Second))
        {
            throw new InvalidOperationException(
                $"The model '{manifest.Id}' expects input [{string.Join(",", declared)}], its manifest says [{string.Join(",", expected)}].");
        }

        // A vector output holds all its values past the batch; a feature map holds its channels in dimension 1.
        var outputLength = manifest.Descriptor is null
            ? outputMetadata.Dimensions.Skip(1).Aggregate(1L, (product, dim) => product * Math.Max(dim, 1))
            : outputMetadata.Dimensions.ElementAtOrDefault(1);
        if (outputLength != Channels)
        {
            throw new InvalidOperationException($"The model '{manifest.Id}' outputs {outputLength} values per image, its manifest says {Channels}.");
        }
    }

    public void Dispose() => _session.Dispose();
}
