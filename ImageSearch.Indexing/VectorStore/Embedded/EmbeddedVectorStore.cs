using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;
using StackExchange.Redis;

namespace ImageSearch.Indexing.VectorStore.Embedded;

/// <summary>
/// The local-mode vector store: points live in Redis (durable beside the queue, see <see cref="EmbeddedStoreKeys"/>),
/// and each searching process keeps an in-memory copy that it brings up to date from the change log before every
/// search, so a search sees every write acknowledged before it started. Writes and gets go straight to Redis: a
/// process that never searches (a worker) never loads the index.
/// </summary>
public sealed class EmbeddedVectorStore : IVectorStore, IDisposable
{
    private const int ChangesPerRead = 4096;
    private const string StoreName = "embedded";

    private readonly IConnectionMultiplexer _redis;
    private readonly VectorStoreOptions _options;
    private readonly ResiliencePipeline _resilience;
    private readonly ILogger _logger;
    private readonly EmbeddedStoreKeys _keys;
    private readonly InMemoryVectorIndex _index;
    private readonly ReaderWriterLockSlim _indexLock = new();
    private readonly SemaphoreSlim _catchUpGate = new(1, 1);

    // One scan at a time: a scan already uses every core, and callers queued here wait without blocking a thread.
    private readonly SemaphoreSlim _scanGate = new(1, 1);
    private long _appliedSequence;
    private long _lastCatchUpStartedAt = long.MinValue;

    public EmbeddedVectorStore(
        IConnectionMultiplexer redis, VectorStoreOptions options, ResiliencePipeline resilience, ILogger<EmbeddedVectorStore>? logger = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.Dimensions);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.CollectionName);
        _redis = redis;
        _options = options;
        _resilience = resilience;
        _logger = logger ?? NullLogger<EmbeddedVectorStore>.Instance;
        _keys = new EmbeddedStoreKeys(options.CollectionName);
        _index = new InMemoryVectorIndex();
    }

    /// <summary>Points in this process's in-memory copy (after the last catch-up).</summary>
    public int IndexedCount
    {
        get
        {
            _indexLock.EnterReadLock();
            try
            {
                return _index.Count;
            }
            finally
            {
                _indexLock.ExitReadLock();
            }
        }
    }

    public async Task UpsertAsync(IReadOnlyList<VectorPoint> points, CancellationToken cancellationToken = default)
    {
        VectorStoreValidation.ValidatePoints(points, _options.Dimensions);
        foreach (var batch in points.Chunk(Math.Max(1, _options.UpsertBatchSize)))
        {
            var keys = new RedisKey[2 + batch.Length];
            var values = new RedisValue[4 * batch.Length];
            keys[0] = _keys.Sequence;
            keys[1] = _keys.Changes;
            for (var i = 0; i < batch.Length; i++)
            {
                var point = batch[i];
                keys[2 + i] = _keys.Point(point.ProductId);
                values[4 * i] = point.ProductId;
                values[4 * i + 1] = EmbeddedPointCodec.EncodeVector(VectorMath.Normalized(point.Vector));
                values[4 * i + 2] = EmbeddedPointCodec.EncodePayload(point.Payload);
                values[4 * i + 3] = point.Payload.Version;
            }

            await CallAsync(_ => new ValueTask<RedisResult>(
                Database.ScriptEvaluateAsync(EmbeddedStoreScripts.UpsertPoints, keys, values)), cancellationToken);
        }
    }

    public async Task<bool> DeleteAsync(string productId, CancellationToken cancellationToken = default)
    {
        VectorStoreValidation.ValidateProductId(productId, nameof(productId));
        var deleted = await CallAsync(_ => new ValueTask<RedisResult>(Database.ScriptEvaluateAsync(
            EmbeddedStoreScripts.DeletePoint, [_keys.Sequence, _keys.Changes, _keys.Point(productId)], [productId])),
            cancellationToken);
        return (long)deleted == 1;
    }

    public async Task<VectorPoint?> GetAsync(string productId, CancellationToken cancellationToken = default)
    {
        VectorStoreValidation.ValidateProductId(productId, nameof(productId));
        var fields = await CallAsync(_ => new ValueTask<RedisValue[]>(Database.HashGetAsync(
            _keys.Point(productId), [EmbeddedStoreKeys.VectorField, EmbeddedStoreKeys.PayloadField])), cancellationToken);
        return Decode(productId, fields);
    }

    /// <summary>
    /// Walks the change log by sequence: the cursor is "last sequence seen:sequence when the scroll began", so points
    /// rewritten during the scroll (by the re-indexing it drives) are not walked again and the scroll ends.
    /// </summary>
    public async Task<PayloadPage> ScrollAsync(string? cursor, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        long after = 0, end;
        if (cursor is null)
        {
            end = (long?)await CallAsync(_ => new ValueTask<RedisValue>(Database.StringGetAsync(_keys.Sequence)), cancellationToken) ?? 0;
        }
        else if (cursor.Split(':') is not [var afterText, var endText] || !long.TryParse(afterText, out after) || !long.TryParse(endText, out end))
        {
            throw new ArgumentException($"'{cursor}' is not a cursor this store returned.", nameof(cursor));
        }

        var changes = await CallAsync(_ => new ValueTask<SortedSetEntry[]>(Database.SortedSetRangeByScoreWithScoresAsync(
            _keys.Changes, after, end, Exclude.Start, take: limit)), cancellationToken);
        if (changes.Length == 0)
        {
            return new PayloadPage([], null);
        }

        var batch = Database.CreateBatch();
        var reads = changes.Select(change => batch.HashGetAsync(_keys.Point(change.Element!), EmbeddedStoreKeys.PayloadField)).ToArray();
        batch.Execute();
        var payloads = await Task.WhenAll(reads);
        var last = (long)changes[^1].Score;
        return new PayloadPage(
            payloads.Where(payload => payload.HasValue).Select(payload => EmbeddedPointCodec.DecodePayload(((ReadOnlyMemory<byte>)payload).Span)).ToList(),
            changes.Length < limit || last >= end ? null : $"{last}:{end}");
    }

    public async Task<IReadOnlyList<VectorSearchHit>> SearchAsync(VectorSearchQuery query, CancellationToken cancellationToken = default)
    {
        VectorStoreValidation.ValidateQuery(query, _options.Dimensions);
        var unitQuery = VectorMath.Normalized(query.Vector);
        await CatchUpAsync(cancellationToken);

        await _scanGate.WaitAsync(cancellationToken);
        _indexLock.EnterReadLock();
        try
        {
            return _index.Search(query, unitQuery, SearchParallelism);
        }
        finally
        {
            _indexLock.ExitReadLock();
            _scanGate.Release();
        }
    }

    /// <summary>
    /// Applies every change logged since the last catch-up (everything, the first time). Concurrent searches share
    /// a catch-up that started after they did, so a burst of searches costs one round trip, not one each.
    /// </summary>
    public async Task CatchUpAsync(CancellationToken cancellationToken = default)
    {
        var requestedAt = Stopwatch.GetTimestamp();
        await _catchUpGate.WaitAsync(cancellationToken);
        try
        {
            if (Volatile.Read(ref _lastCatchUpStartedAt) >= requestedAt)
            {
                return;
            }

            var startedAt = Stopwatch.GetTimestamp();
            await CallAsync(async token =>
            {
                await ApplyChangesAsync(token);
                return true;
            }, cancellationToken);
            Volatile.Write(ref _lastCatchUpStartedAt, startedAt);
        }
        finally
        {
            _catchUpGate.Release();
        }
    }

    public void Dispose()
    {
        _indexLock.Dispose();
        _catchUpGate.Dispose();
        _scanGate.Dispose();
    }

    private IDatabase Database => _redis.GetDatabase();

    private int SearchParallelism => _options.SearchParallelism > 0 ? _options.SearchParallelism : Environment.ProcessorCount;

    private async Task ApplyChangesAsync(CancellationToken cancellationToken)
    {
        var database = Database;
        var firstRead = _appliedSequence == 0;
        var started = Stopwatch.GetTimestamp();
        var applied = 0;

        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var batch = database.CreateBatch();
            var changesTask = batch.SortedSetRangeByScoreWithScoresAsync(
                _keys.Changes, _appliedSequence, double.PositiveInfinity, Exclude.Start, take: ChangesPerRead);
            var sequenceTask = batch.StringGetAsync(_keys.Sequence);
            batch.Execute();
            var changes = await changesTask;
            var sequence = (long?)await sequenceTask ?? 0;

            if (sequence < _appliedSequence)
            {
                // The counter went back: the data was wiped or replaced. Start again from nothing.
                _logger.LogWarning("Vector store sequence {Sequence} is behind the applied {Applied}; reloading the index.",
                    sequence, _appliedSequence);
                Mutate(index => index.Clear());
                _appliedSequence = 0;
                continue;
            }

            if (changes.Length == 0)
            {
                break;
            }

            var readBatch = database.CreateBatch();
            var reads = changes
                .Select(change => readBatch.HashGetAsync(
                    _keys.Point(change.Element!), [EmbeddedStoreKeys.VectorField, EmbeddedStoreKeys.PayloadField]))
                .ToArray();
            readBatch.Execute();
            var records = await Task.WhenAll(reads);

            // A record read after its change entry is at least as new as the entry: applying it is never stale.
            var decoded = changes.Select((change, i) => (ProductId: (string)change.Element!, Point: Decode(change.Element!, records[i])))
                .ToArray();
            Mutate(index =>
            {
                foreach (var (productId, point) in decoded)
                {
                    if (point is null)
                    {
                        index.Remove(productId);
                    }
                    else
                    {
                        index.Upsert(productId, point.Vector, point.Payload);
                    }
                }
            });

            _appliedSequence = (long)changes[^1].Score;
            applied += changes.Length;
            if (changes.Length < ChangesPerRead)
            {
                break;
            }
        }

        if (firstRead && _logger.IsEnabled(LogLevel.Information))
        {
            _logger.LogInformation("Loaded {Count} vectors ({Changes} changes) from Redis in {Elapsed} ms.",
                IndexedCount, applied, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
    }

    private void Mutate(Action<InMemoryVectorIndex> change)
    {
        _indexLock.EnterWriteLock();
        try
        {
            change(_index);
        }
        finally
        {
            _indexLock.ExitWriteLock();
        }
    }

    private static VectorPoint? Decode(string productId, RedisValue[] fields)
    {
        if (fields is not [{ HasValue: true } vector, { HasValue: true } payload])
        {
            return null;
        }

        return new VectorPoint(
            productId,
            EmbeddedPointCodec.DecodeVector(((ReadOnlyMemory<byte>)vector).Span),
            EmbeddedPointCodec.DecodePayload(((ReadOnlyMemory<byte>)payload).Span));
    }

    private ValueTask<T> CallAsync<T>(Func<CancellationToken, ValueTask<T>> call, CancellationToken cancellationToken) =>
        _resilience.ExecuteStoreCallAsync(StoreName, call, cancellationToken);
}
