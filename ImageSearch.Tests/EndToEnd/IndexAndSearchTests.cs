using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using ImageSearch.Tests.Imaging;
using ImageSearch.Tests.Infrastructure;

namespace ImageSearch.Tests.EndToEnd;

// The whole system in local mode: real photos go through the queue, the workers and the store, and come back
// out of the search API.
public class IndexAndSearchTests
{
    private const string ApiKey = "end-to-end-test-key";
    // A bound on a hung system, not a speed check: on a loaded 2-core machine the whole test has taken 2 m 56 s.
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(8);

    [Fact]
    public async Task Indexed_photos_are_found_by_altered_copies_deletes_take_effect_and_a_restarted_system_answers_the_same()
    {
        var photos = TestPhotos.All();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(Timeout);
        var cancellationToken = timeout.Token;

        var dataPath = Directory.CreateTempSubdirectory("imagesearch-e2e-").FullName;
        var imageRoot = Directory.CreateDirectory(Path.Combine(dataPath, "images", "catalog")).Parent!.FullName;
        foreach (var photo in photos)
        {
            File.Copy(photo, Path.Combine(imageRoot, "catalog", Path.GetFileName(photo)));
        }

        string[] args = ["--Mode=local", "--LocalRedisServer=garnet", $"--LocalDataPath={dataPath}", $"--ImageRoot={imageRoot}",
            $"--Parameters:api-key={ApiKey}"];
        List<string> before;
        List<byte[]> variants;
        await using (var app = await TestAppHost.StartAsync(args, cancellationToken))
        {
            using var http = CreateClient(app);

            // Index every photo as a product, half of them in each category.
            var products = photos.Select((photo, i) => (
                Id: $"photo-{i:00}",
                Path: $"catalog/{Path.GetFileName(photo)}",
                Category: i % 2 == 0 ? "even" : "odd")).ToList();
            var taskIds = new List<string>();
            foreach (var product in products)
            {
                var response = await http.PostAsJsonAsync("/queue/enqueue", new
                {
                    image_path = product.Path,
                    product_id = product.Id,
                    name = $"Product {product.Id}",
                    metadata = new { category = product.Category }
                }, cancellationToken);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                taskIds.Add((await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("task_id").GetString()!);
            }

            foreach (var taskId in taskIds)
            {
                Assert.Equal("completed", await WaitForFinishedStatusAsync(http, taskId, cancellationToken));
            }

            // Each altered copy (cropped, flipped, re-encoded, resized) finds its own product first.
            variants = photos.Select(photo =>
            {
                using var bitmap = TestImages.Decode(File.ReadAllBytes(photo));
                return TestImages.Variant(bitmap);
            }).ToList();
            for (var i = 0; i < products.Count; i++)
            {
                var results = await SearchAsync(http, variants[i], "limit=5", cancellationToken);
                Assert.Equal(products[i].Id, results[0].GetProperty("product_id").GetString());
                Assert.Equal(products[i].Path, results[0].GetProperty("image_ref").GetString());
            }

            // A category filter keeps to its category, even when the best match is outside it.
            var oddOnly = await SearchAsync(http, variants[0], "limit=5&category=odd", cancellationToken);
            Assert.NotEmpty(oddOnly);
            Assert.All(oddOnly, hit => Assert.Equal("odd", hit.GetProperty("metadata").GetProperty("category").GetString()));

            // A deleted product is gone from the index and from results.
            Assert.Equal(HttpStatusCode.NoContent, (await http.DeleteAsync($"/products/{products[0].Id}", cancellationToken)).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"/products/{products[0].Id}", cancellationToken)).StatusCode);
            var afterDelete = await SearchAsync(http, variants[0], "limit=100", cancellationToken);
            Assert.DoesNotContain(afterDelete, hit => hit.GetProperty("product_id").GetString() == products[0].Id);
            Assert.Equal(products.Count - 1, afterDelete.Count);

            before = await RankingsAsync(http, variants.Take(5), cancellationToken);
        }

        // Restarted (API, workers and the Redis server alike), the API loads the index from Redis and answers as before.
        await using (var app = await TestAppHost.StartAsync(args, cancellationToken))
        {
            using var http = CreateClient(app);
            Assert.Equal(before, await RankingsAsync(http, variants.Take(5), cancellationToken));
        }

        Directory.Delete(dataPath, recursive: true);
    }

    private static HttpClient CreateClient(DistributedApplication app)
    {
        var http = app.CreateHttpClient("api");
        http.DefaultRequestHeaders.Add("X-Api-Key", ApiKey);
        return http;
    }

    private static async Task<string> WaitForFinishedStatusAsync(HttpClient http, string taskId, CancellationToken cancellationToken)
    {
        // The task's status changes in Redis with no notification to the client: poll it.
        while (true)
        {
            var task = await http.GetFromJsonAsync<JsonElement>($"/queue/status/{taskId}", cancellationToken);
            var status = task.GetProperty("status").GetString()!;
            if (status is "completed" or "dead" or "cancelled")
            {
                return status;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken);
        }
    }

    private static async Task<IReadOnlyList<JsonElement>> SearchAsync(
        HttpClient http, byte[] image, string query, CancellationToken cancellationToken)
    {
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(image);
        file.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
        form.Add(file, "image", "query.jpg");
        var response = await http.PostAsync($"/search?{query}", form, cancellationToken);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync(cancellationToken));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        return body.GetProperty("results").EnumerateArray().ToList();
    }

    private static async Task<List<string>> RankingsAsync(HttpClient http, IEnumerable<byte[]> images, CancellationToken cancellationToken)
    {
        var rankings = new List<string>();
        foreach (var image in images)
        {
            var results = await SearchAsync(http, image, "limit=10", cancellationToken);
            rankings.Add(string.Join(",", results.Select(hit => $"{hit.GetProperty("product_id").GetString()}:{hit.GetProperty("score").GetSingle():0.0000}")));
        }

        return rankings;
    }
}
