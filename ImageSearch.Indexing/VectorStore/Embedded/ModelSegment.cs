using System.Numerics.Tensors;

namespace ImageSearch.Indexing.VectorStore.Embedded;

/// <summary>
/// The vectors of one model, packed densely in fixed-size blocks (contiguous within a block, no huge copy when
/// growing). A removed slot is filled with the last one so the slots stay dense and a scan touches no holes.
/// </summary>
internal sealed class ModelSegment(int dimensions)
{
    private const int VectorsPerBlock = 1024;

    // Below this many vectors a second thread costs more than it saves.
    private const int MinimumVectorsPerThread = 4096;

    private readonly List<float[]> _blocks = [];
    private readonly Dictionary<string, int> _slotOfProduct = new(StringComparer.Ordinal);
    private string[] _productIds = new string[VectorsPerBlock];
    private ProductPayload[] _payloads = new ProductPayload[VectorsPerBlock];
    private int _count;

    public int Dimensions => dimensions;

    public void Upsert(string productId, ReadOnlySpan<float> unitVector, ProductPayload payload)
    {
        if (!_slotOfProduct.TryGetValue(productId, out var slot))
        {
            slot = _count++;
            EnsureCapacity(_count);
            _slotOfProduct.Add(productId, slot);
        }

        unitVector.CopyTo(VectorAt(slot));
        _productIds[slot] = productId;
        _payloads[slot] = payload;
    }

    public void Remove(string productId)
    {
        if (!_slotOfProduct.Remove(productId, out var slot))
        {
            return;
        }

        var last = --_count;
        if (slot != last)
        {
            VectorAt(last).CopyTo(VectorAt(slot));
            _productIds[slot] = _productIds[last];
            _payloads[slot] = _payloads[last];
            _slotOfProduct[_productIds[slot]] = slot;
        }

        _productIds[last] = null!;
        _payloads[last] = null!;
    }

    public IReadOnlyList<VectorSearchHit> Search(VectorSearchQuery query, float[] unitQuery, int parallelism)
    {
        var wanted = query.Offset + query.Limit;
        var count = _count;
        var threads = Math.Clamp(count / MinimumVectorsPerThread, 1, Math.Max(1, parallelism));
        var partials = new List<(int Slot, float Score)>[threads];

        if (threads == 1)
        {
            partials[0] = ScanRange(0, count, unitQuery, query, wanted);
        }
        else
        {
            Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, part =>
            {
                var start = (int)((long)count * part / threads);
                var end = (int)((long)count * (part + 1) / threads);
                partials[part] = ScanRange(start, end, unitQuery, query, wanted);
            });
        }

        return partials
            .SelectMany(partial => partial)
            .OrderByDescending(candidate => candidate.Score)
            .ThenBy(candidate => _productIds[candidate.Slot], StringComparer.Ordinal)
            .Skip(query.Offset)
            .Take(query.Limit)
            .Select(candidate => new VectorSearchHit(_productIds[candidate.Slot], candidate.Score, _payloads[candidate.Slot]))
            .ToList();
    }

    /// <summary>Exact scan of a slot range keeping the best <paramref name="wanted"/> in a small min-heap.</summary>
    private List<(int Slot, float Score)> ScanRange(int start, int end, float[] queryVector, VectorSearchQuery query, int wanted)
    {
        var best = new PriorityQueue<int, float>(wanted + 1);
        var minScore = query.MinScore ?? float.NegativeInfinity;
        var threshold = minScore;

        for (var slot = start; slot < end;)
        {
            // Walk a block at a time: the scores of one block come from one contiguous array.
            var block = _blocks[slot / VectorsPerBlock];
            var blockEnd = Math.Min(end, (slot / VectorsPerBlock + 1) * VectorsPerBlock);
            for (var offset = slot % VectorsPerBlock * dimensions; slot < blockEnd; slot++, offset += dimensions)
            {
                var score = TensorPrimitives.Dot(block.AsSpan(offset, dimensions), queryVector);
                // Cheap score test first; the string and dictionary checks only run for would-be results.
                if (score < threshold || (best.Count == wanted && score <= threshold))
                {
                    continue;
                }

                if (query.ExcludeProductId is { } excluded && _productIds[slot] == excluded)
                {
                    continue;
                }

                if (query.Filter is { Count: > 0 } filter && !Matches(_payloads[slot].Metadata, filter))
                {
                    continue;
                }

                if (best.Count < wanted)
                {
                    best.Enqueue(slot, score);
                }
                else
                {
                    best.EnqueueDequeue(slot, score);
                }

                if (best.Count == wanted)
                {
                    best.TryPeek(out _, out var lowest);
                    threshold = Math.Max(minScore, lowest);
                }
            }
        }

        var results = new List<(int Slot, float Score)>(best.Count);
        while (best.TryDequeue(out var slot, out var score))
        {
            results.Add((slot, score));
        }

        return results;
    }

    private static bool Matches(IReadOnlyDictionary<string, string> metadata, IReadOnlyDictionary<string, string> filter)
    {
        foreach (var (field, value) in filter)
        {
            if (!metadata.TryGetValue(field, out var actual) || !string.Equals(actual, value, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    private Span<float> VectorAt(int slot) =>
        _blocks[slot / VectorsPerBlock].AsSpan(slot % VectorsPerBlock * dimensions, dimensions);

    private void EnsureCapacity(int count)
    {
        while (_blocks.Count * VectorsPerBlock < count)
        {
            _blocks.Add(new float[VectorsPerBlock * dimensions]);
        }

        if (_productIds.Length < count)
        {
            var capacity = Math.Max(count, _productIds.Length * 2);
            Array.Resize(ref _productIds, capacity);
            Array.Resize(ref _payloads, capacity);
        }
    }
}
