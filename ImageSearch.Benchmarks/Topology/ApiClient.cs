using System.Net.Http.Json;
using System.Text.Json;

namespace ImageSearch.Benchmarks.Topology;

/// <summary>The few calls of the API the benchmarks make, in its snake_case JSON.</summary>
public static class ApiClient
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public sealed record TaskRequest(string ProductId, string ImagePath, string? Name = null);

    public sealed record TaskRecord(string TaskId, string Status, string? WorkerId, DateTimeOffset CreatedAt,
        DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt, string? Error);

    public sealed record QueueStats(long Pending, long Processing, long Delayed, long Dead, long Completed, long Failed);

    private sealed record EnqueueBatch(IReadOnlyList<TaskRequest> Tasks);

    private sealed record Enqueued(string TaskId);

    private sealed record EnqueuedBatch(IReadOnlyList<Enqueued> Tasks);

    /// <summary>Queues the tasks with POST /queue/enqueue/batch, at most 1000 a call; returns their ids in order.</summary>
    public static async Task<IReadOnlyList<string>> EnqueueAsync(HttpClient client, IReadOnlyList<TaskRequest> tasks)
    {
        var ids = new List<string>(tasks.Count);
        foreach (var chunk in tasks.Chunk(1000))
        {
            using var response = await client.PostAsJsonAsync("/queue/enqueue/batch", new EnqueueBatch(chunk), Json);
            await EnsureSuccessAsync(response);
            var batch = await response.Content.ReadFromJsonAsync<EnqueuedBatch>(Json);
            ids.AddRange(batch!.Tasks.Select(task => task.TaskId));
        }

        return ids;
    }

    public static async Task<QueueStats> GetStatsAsync(HttpClient client) =>
        (await client.GetFromJsonAsync<QueueStats>("/queue/stats", Json))!;

    public static async Task<TaskRecord> GetTaskAsync(HttpClient client, string taskId) =>
        (await client.GetFromJsonAsync<TaskRecord>($"/queue/status/{taskId}", Json))!;

    /// <summary>Waits until this many tasks have finished (completed or dead-lettered) since the queue began.</summary>
    public static async Task WaitFinishedAsync(HttpClient client, long finished, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var stats = await GetStatsAsync(client);
            if (stats.Completed + stats.Failed >= finished)
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Only {stats.Completed + stats.Failed} of {finished} tasks finished within {timeout.TotalSeconds:0} s " +
                    $"(pending {stats.Pending}, processing {stats.Processing}, delayed {stats.Delayed}).");
            }

            // Each poll costs the API CPU time the workers would use; the figures come from the task records, not from here.
            await Task.Delay(500);
        }
    }

    public static async Task EnsureSuccessAsync(HttpResponseMessage response)
    {
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"{(int)response.StatusCode} from {response.RequestMessage?.RequestUri}: {await response.Content.ReadAsStringAsync()}");
        }
    }
}
