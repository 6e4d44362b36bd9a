using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ImageSearch.Indexing.Queue;
using ImageSearch.Tests.Infrastructure;

namespace ImageSearch.Tests.Security;

// What status and dead-letter readers see of a task: no URL credentials or query, no server paths, no exception text.
public class ReadLeakTests(RemoteImagesOnApiFixture fixture) : IClassFixture<RemoteImagesOnApiFixture>
{
    private const string SecretUrl = "https://user:hunter2@images.example.com/p/shoe.jpg?X-Amz-Signature=abc123&token=s3cr3t#frag";

    [Fact]
    public async Task A_task_record_shows_its_url_without_credentials_or_query()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var http = fixture.CreateClient();
        var enqueued = await http.PostAsJsonAsync("/queue/enqueue", new { product_id = "leaky-url", image_url = SecretUrl }, cancellationToken);
        enqueued.EnsureSuccessStatusCode();
        var taskId = (await enqueued.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("task_id").GetString();

        var body = await http.GetStringAsync($"/queue/status/{taskId}", cancellationToken);

        Assert.Equal("https://images.example.com/p/shoe.jpg", JsonDocument.Parse(body).RootElement.GetProperty("image_url").GetString());
        foreach (var secret in new[] { "hunter2", "user:", "X-Amz-Signature", "s3cr3t", "frag" })
        {
            Assert.DoesNotContain(secret, body, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Errors_in_status_and_dead_letters_are_stable_reasons_without_paths_or_exception_text()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var queue = fixture.Service<TaskQueue>();
        // A failure as a processor may record it: exception type, message with an absolute server path.
        const string raw = "IOException: Could not find file '/srv/imagesearch/images/catalog/x.jpg' (errno 2) at ImageLoader.ReadAsync";
        var taskId = (await queue.EnqueueAsync(new NewTask("raw-error", "catalog/x.jpg", null))).TaskId;
        var taken = await queue.TakeAsync("leak-test-worker", 100, TimeSpan.FromMinutes(1));
        var task = Assert.Single(taken.Tasks, t => t.TaskId == taskId);
        var finished = await queue.FinishAsync(taken, [new TaskResult(task, TaskOutcome.Permanent(raw), TimeSpan.Zero)], 0, TimeSpan.FromMinutes(1));
        Assert.Equal([TaskDisposition.DeadLettered], finished.Dispositions);
        using var http = fixture.CreateClient();

        var status = await http.GetStringAsync($"/queue/status/{taskId}", cancellationToken);
        var dead = await http.GetStringAsync("/queue/dead?limit=100", cancellationToken);

        foreach (var body in new[] { status, dead })
        {
            Assert.DoesNotContain("/srv/", body, StringComparison.Ordinal);
            Assert.DoesNotContain("IOException", body, StringComparison.Ordinal);
            Assert.DoesNotContain("errno", body, StringComparison.Ordinal);
        }

        var record = JsonDocument.Parse(status).RootElement;
        Assert.StartsWith("processing_failed:", record.GetProperty("error").GetString());
        Assert.All(record.GetProperty("history").EnumerateArray().Where(entry => entry.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.String),
            entry => Assert.StartsWith("processing_failed:", entry.GetProperty("error").GetString()));
        // The full text stays where an operator reads it: the task hash in Redis (and the worker's log).
        Assert.Equal(raw, (await queue.GetAsync(taskId))!.Error);
    }

    [Fact]
    public async Task A_page_of_dead_letters_is_capped()
    {
        using var http = fixture.CreateClient();
        var problem = await Problems.AssertProblemAsync(await http.GetAsync("/queue/dead?limit=1000", TestContext.Current.CancellationToken),
            "1000 dead letters at once", HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("limit", out _));
    }
}
