using System.Globalization;
using ImageSearch.Indexing.Queue;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace ImageSearch.Indexing.VectorStore.Reindexing;

/// <summary>
/// Re-indexes after a model change: scrolls every stored product and queues it again from its payload (image, name,
/// description, metadata) through <see cref="TaskQueue.EnqueueBatchAsync"/>, a page at a time, so the workers embed
/// it with the current model and its point is replaced. By default only products whose vectors come from another
/// model are queued. One re-index runs at a time across every API process: a run claims the progress hash, keeps it
/// fresh while it works, and one whose process died (no update for <see cref="StaleAfter"/>) can be started again.
/// </summary>
public sealed class Reindexer(
    IVectorStore store, TaskQueue queue, IConnectionMultiplexer redis, TimeProvider timeProvider, ILogger<Reindexer> logger)
{
    /// <summary>The Redis hash holding the progress (next to the queue's own keys).</summary>
    public const string ProgressKey = QueueKeys.Prefix + "reindex";

    public static readonly TimeSpan StaleAfter = TimeSpan.FromMinutes(1);

    /// <summary>Products read and queued per round trip.</summary>
    public int PageSize { get; init; } = 500;

    // Claims the hash unless a fresh run holds it. KEYS: progress. ARGV: now (ms), stale after (ms), then field/value pairs.
    private const string ClaimScript = """
        local status = redis.call('HGET', KEYS[1], 'status')
        local updated = tonumber(redis.call('HGET', KEYS[1], 'updated_ms') or '0')
        if status == 'running' and tonumber(ARGV[1]) - updated < tonumber(ARGV[2]) then
          return 0
        end
        redis.call('DEL', KEYS[1])
        for i = 3, #ARGV, 2 do
          redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
        end
        return 1
        """;

    /// <summary>Starts a re-index towards <paramref name="targetModel"/>; false when one is already running.</summary>
    public async Task<bool> TryStartAsync(string targetModel, bool allProducts, CancellationToken stopping)
    {
        var now = timeProvider.GetUtcNow();
        var claimed = (long)await Db.ScriptEvaluateAsync(ClaimScript, [ProgressKey],
        [
            now.ToUnixTimeMilliseconds(), (long)StaleAfter.TotalMilliseconds,
            "status", ReindexProgress.Running, "target_model", targetModel, "all_products", allProducts ? "true" : "false",
            "scanned", 0, "enqueued", 0, "already_queued", 0, "up_to_date", 0,
            "started_at", Iso(now), "updated_at", Iso(now), "updated_ms", now.ToUnixTimeMilliseconds()
        ]);
        if (claimed == 0)
        {
            return false;
        }

        _ = Task.Run(() => RunAsync(targetModel, allProducts, stopping), CancellationToken.None);
        return true;
    }

    public async Task<ReindexProgress> GetProgressAsync(string targetModel) =>
        await ReadProgressAsync(Db, targetModel) ?? ReindexProgress.None(targetModel);

    /// <summary>The last re-index's progress as kept in Redis; null when none ever ran.</summary>
    public static async Task<ReindexProgress?> ReadProgressAsync(IDatabase db, string? targetModel = null)
    {
        var fields = (await db.HashGetAllAsync(ProgressKey)).ToDictionary(entry => (string)entry.Name!, entry => (string?)entry.Value);
        if (fields.Count == 0)
        {
            return null;
        }

        long Number(string name) => fields.TryGetValue(name, out var value) && long.TryParse(value, out var number) ? number : 0;
        DateTimeOffset? Time(string name) => fields.TryGetValue(name, out var value) && value is not null
            ? DateTimeOffset.Parse(value, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind)
            : null;
        return new ReindexProgress(
            fields.GetValueOrDefault("status") ?? ReindexProgress.Idle,
            fields.GetValueOrDefault("target_model") ?? targetModel ?? "",
            fields.GetValueOrDefault("all_products") == "true",
            Number("scanned"), Number("enqueued"), Number("already_queued"), Number("up_to_date"),
            Time("started_at"), Time("updated_at"), Time("finished_at"), fields.GetValueOrDefault("error"));
    }

    /// <summary>The run itself; <see cref="TryStartAsync"/> runs it in the background once it holds the progress hash.</summary>
    internal async Task RunAsync(string targetModel, bool allProducts, CancellationToken stopping)
    {
        try
        {
            string? cursor = null;
            do
            {
                stopping.ThrowIfCancellationRequested();
                var page = await store.ScrollAsync(cursor, PageSize, stopping);
                var stale = page.Payloads.Where(payload => allProducts || payload.ModelKey != targetModel).ToList();
                var results = stale.Count == 0 ? [] : await queue.EnqueueBatchAsync(stale.Select(ToTask).ToList());
                var duplicates = results.Count(result => result.Duplicate);
                await Db.HashIncrementAsync(ProgressKey, "scanned", page.Payloads.Count);
                await Db.HashIncrementAsync(ProgressKey, "enqueued", results.Count - duplicates);
                await Db.HashIncrementAsync(ProgressKey, "already_queued", duplicates);
                await Db.HashIncrementAsync(ProgressKey, "up_to_date", page.Payloads.Count - stale.Count);
                await TouchAsync();
                cursor = page.Next;
            }
            while (cursor is not null);

            await FinishAsync(ReindexProgress.Completed, null);
            logger.LogInformation("Re-index towards {Model} finished: {Progress}", targetModel, await GetProgressAsync(targetModel));
        }
        catch (Exception exception)
        {
            logger.LogWarning(exception, "Re-index towards {Model} stopped", targetModel);
            await FinishAsync(ReindexProgress.Failed, stopping.IsCancellationRequested ? "The API stopped during the re-index." : exception.Message);
        }
    }

    /// <summary>The task that indexes the product again exactly as it was first asked for.</summary>
    private static NewTask ToTask(ProductPayload payload)
    {
        var isUrl = Uri.TryCreate(payload.ImageRef, UriKind.Absolute, out var url) && url.Scheme is "http" or "https";
        return new NewTask(payload.ProductId, isUrl ? null : payload.ImageRef, isUrl ? payload.ImageRef : null,
            payload.Name, payload.Description, payload.Metadata, Deduplicate: true);
    }

    private async Task TouchAsync()
    {
        var now = timeProvider.GetUtcNow();
        await Db.HashSetAsync(ProgressKey, [new("updated_at", Iso(now)), new("updated_ms", now.ToUnixTimeMilliseconds())]);
    }

    private async Task FinishAsync(string status, string? error)
    {
        var now = timeProvider.GetUtcNow();
        HashEntry[] fields = error is null
            ? [new("status", status), new("finished_at", Iso(now)), new("updated_at", Iso(now)), new("updated_ms", now.ToUnixTimeMilliseconds())]
            : [new("status", status), new("finished_at", Iso(now)), new("updated_at", Iso(now)), new("updated_ms", now.ToUnixTimeMilliseconds()), new("error", error)];
        try
        {
            await Db.HashSetAsync(ProgressKey, fields);
        }
        catch (RedisException exception)
        {
            logger.LogWarning(exception, "Could not record the end of the re-index; it will show as stale after {StaleAfter}", StaleAfter);
        }
    }

    private IDatabase Db => redis.GetDatabase();

    private static string Iso(DateTimeOffset time) => time.ToString("O", CultureInfo.InvariantCulture);
}
