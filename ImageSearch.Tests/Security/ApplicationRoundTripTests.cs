using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using ImageSearch.Indexing.Queue;
using ImageSearch.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace ImageSearch.Tests.Security;

// What needs the whole topology: ids that travel API → queue → worker → index, and how the AppHost runs Redis.
public class ApplicationRoundTripTests(RemoteImagesOnAppHostFixture fixture) : IClassFixture<RemoteImagesOnAppHostFixture>
{
    [Fact]
    public async Task Unusual_but_printable_product_ids_are_indexed_and_found_again()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var http = fixture.CreateClient();
        string[] ids = ["Ünïcødé-商品-1", "👟 sneaker 42", "العربية-7", "a", new string('x', 128), "id:with;punctuation&symbols=€"];

        foreach (var id in ids)
        {
            // A leading '/' is the image root, as the original's checklist writes it.
            var response = await http.PostAsJsonAsync("/queue/enqueue", new { product_id = id, image_path = "/" + SecurityAppHostFixture.SeedImagePath }, cancellationToken);
            Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync(cancellationToken));
            var taskId = (await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("task_id").GetString();
            await Eventually.HoldsAsync(async () =>
                (await http.GetFromJsonAsync<JsonElement>($"/queue/status/{taskId}", cancellationToken)).GetProperty("status").GetString() is "completed" or "dead",
                $"task {taskId} is finished", TimeSpan.FromMinutes(2));

            var product = await http.GetFromJsonAsync<JsonElement>($"/products/{Uri.EscapeDataString(id)}", cancellationToken);
            Assert.Equal(id, product.GetProperty("product_id").GetString());
        }
    }

    [Fact]
    public async Task Json_answers_are_sent_whole_with_their_length_not_chunked()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var http = fixture.CreateClient();
        var enqueued = await http.PostAsJsonAsync("/queue/enqueue",
            new { product_id = "sized-answer", image_path = "/" + SecurityAppHostFixture.SeedImagePath }, cancellationToken);
        var taskId = (await enqueued.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("task_id").GetString();

        // A chunked answer costs a packet of its own for the closing chunk: a third more sends on the enqueue path.
        foreach (var response in new[] { enqueued, await http.GetAsync($"/queue/status/{taskId}", cancellationToken), await http.GetAsync("/queue/stats", cancellationToken) })
        {
            Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync(cancellationToken));
            Assert.NotEqual(true, response.Headers.TransferEncodingChunked);
            Assert.Equal((await response.Content.ReadAsByteArrayAsync(cancellationToken)).Length, response.Content.Headers.ContentLength);
            Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        }
    }

    [Fact]
    public async Task Kestrel_refuses_a_body_over_the_limit_with_a_problem()
    {
        using var http = fixture.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/queue/enqueue") { Content = new ByteArrayContent(new byte[50 * 1024 * 1024]) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        // Expect: 100-continue lets the server refuse by the declared length before the client sends 50 MB.
        request.Headers.ExpectContinue = true;

        var problem = await Problems.AssertProblemAsync(await http.SendAsync(request, TestContext.Current.CancellationToken),
            "50 MB enqueue body", System.Net.HttpStatusCode.RequestEntityTooLarge);
        Assert.Contains("bytes", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task A_task_record_stays_a_compact_listpack_on_the_redis_server_the_AppHost_runs()
    {
        RedisServer.SkipUnlessRedisServerInstalled();
        var cancellationToken = TestContext.Current.CancellationToken;
        using var http = fixture.CreateClient();
        var enqueued = await http.PostAsJsonAsync("/queue/enqueue", new
        {
            product_id = "compact-record",
            image_path = "/" + SecurityAppHostFixture.SeedImagePath,
            name = "a name",
            description = new string('d', 300)
        }, cancellationToken);
        var taskId = (await enqueued.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("task_id").GetString()!;
        await Eventually.HoldsAsync(async () =>
            (await http.GetFromJsonAsync<JsonElement>($"/queue/status/{taskId}", cancellationToken)).GetProperty("status").GetString() == "completed",
            $"task {taskId} is completed", TimeSpan.FromMinutes(2));

        // Redis's default (values of 64 bytes at most) made every record, whose request alone is longer, a hashtable of
        // twice the memory.
        await using var redis = await ConnectionMultiplexer.ConnectAsync((await RedisConnectionStringAsync(cancellationToken))!);
        var encoding = await redis.GetDatabase().ExecuteAsync("OBJECT", "ENCODING", QueueKeys.Task(taskId));
        Assert.Equal("listpack", encoding.ToString());
    }

    [Fact]
    public async Task Local_redis_has_a_password_and_listens_on_loopback()
    {
        var connectionString = await RedisConnectionStringAsync(TestContext.Current.CancellationToken);

        Assert.NotNull(connectionString);
        var settings = connectionString.Split(',');
        Assert.Matches("^(localhost|127\\.0\\.0\\.1):[0-9]+$", settings[0]);
        Assert.Contains(settings, setting => setting.StartsWith("password=", StringComparison.Ordinal) && setting.Length > "password=".Length + 16);
    }

    private async Task<string?> RedisConnectionStringAsync(CancellationToken cancellationToken)
    {
        var model = fixture.App.Services.GetRequiredService<DistributedApplicationModel>();
        var redis = model.Resources.OfType<IResourceWithConnectionString>().Single(resource => resource.Name == "redis");
        return await redis.GetConnectionStringAsync(cancellationToken);
    }
}
