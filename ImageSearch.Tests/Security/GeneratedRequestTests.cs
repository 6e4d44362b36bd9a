using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using ImageSearch.Api.Security;
using ImageSearch.Indexing.Queue;
using ImageSearch.Tests.Infrastructure;
using StackExchange.Redis;

namespace ImageSearch.Tests.Security;

// A few thousand generated requests (fixed seed: paths, parameters, bodies, content types, headers) to every endpoint
// of the API in-process over a real Redis: none answers 5xx, and the queue and the index hold only what the accepted
// requests put there, every task in them valid.
public class GeneratedRequestTests(UnlimitedApiFixture fixture) : IClassFixture<UnlimitedApiFixture>
{
    private const int Seed = 20261201;
    private const int RequestCount = 3000;

    private static readonly string[] Endpoints =
    [
        "POST /queue/enqueue", "POST /queue/enqueue/batch", "GET /queue/status/{task}", "GET /queue/stats", "GET /queue/workers",
        "POST /queue/flush", "GET /queue/dead", "POST /queue/dead/{task}/requeue", "POST /queue/tasks/{task}/cancel",
        "POST /search", "GET /products/{product}", "GET /products/{product}/similar", "DELETE /products/{product}",
        "GET /images/{path}", "GET /health", "GET /alive", "GET /", "GET /openapi/v1.json", "GET /{path}", "PUT /queue/enqueue"
    ];

    private static readonly string[] Strings =
    [
        "", " ", "  x  ", "a", "a.b", "a:b", "x:history", "..", "../etc/passwd", "%2e%2e/x", "/", "//", "\\", "C:\\x", "file:///etc/passwd",
        "\u0000", "\n", "\u202E", "\u200B", "\uFEFF", "é", "商品", "👟", "ud800", new string('x', 129), new string('y', 5000), "null", "true", "0", "-1",
        "1e309", "NaN", "catalog/seed.jpg", "/catalog/seed.jpg", "catalog/missing.jpg", "catalog/escaping-link.jpg", "http://127.0.0.1/",
        "https://example.com/a.jpg?sig=1", "http://[64:ff9b::a9fe:a9fe]/", "seed-product", "color:red", "a.b:x", ":", "x:", "category"
    ];

    private static readonly string[] FieldNames =
        ["product_id", "image_path", "image_url", "name", "description", "metadata", "deduplicate", "tasks", "extra", "a.b", ""];

    [Fact]
    public async Task Generated_requests_get_no_5xx_and_leave_only_valid_tasks_and_products()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var random = new Random(Seed);
        using var anonymous = fixture.CreateAnonymousClient();
        var accepted = new HashSet<string>();
        var everAccepted = new HashSet<string>();
        var products = new HashSet<string> { ApiFixture.SeedProductId };
        var failures = new List<string>();
        var statuses = new Dictionary<int, int>();

        for (var i = 0; i < RequestCount && failures.Count < 10; i++)
        {
            var endpoint = Endpoints[random.Next(Endpoints.Length)];
            using var request = Generate(random, endpoint, accepted.Concat(everAccepted).ToList());
            var shown = $"#{i} {request.Method} {request.RequestUri}";
            using var response = await anonymous.SendAsync(request, cancellationToken);
            var status = (int)response.StatusCode;
            statuses[status] = statuses.GetValueOrDefault(status) + 1;
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            if (status >= 500)
            {
                failures.Add($"{shown}: {status} {body[..Math.Min(body.Length, 300)]}");
                continue;
            }

            if (status >= 400 && response.Content.Headers.ContentType?.MediaType != "application/problem+json" && endpoint != "GET /{path}")
            {
                failures.Add($"{shown}: {status} is not a ProblemDetails ({response.Content.Headers.ContentType})");
            }

            if (!response.IsSuccessStatusCode)
            {
                continue;
            }

            switch (endpoint)
            {
                case "POST /queue/enqueue":
                    Track(JsonDocument.Parse(body).RootElement.GetProperty("task_id").GetString()!);
                    break;
                case "POST /queue/enqueue/batch":
                    foreach (var task in JsonDocument.Parse(body).RootElement.GetProperty("tasks").EnumerateArray())
                    {
                        Track(task.GetProperty("task_id").GetString()!);
                    }

                    break;
                case "POST /queue/flush":
                    accepted.Clear();
                    break;
                case "POST /queue/tasks/{task}/cancel":
                    accepted.Remove(JsonDocument.Parse(body).RootElement.GetProperty("task_id").GetString()!);
                    break;
                case "DELETE /products/{product}":
                    products.Remove(Uri.UnescapeDataString(request.RequestUri!.OriginalString["/products/".Length..]));
                    break;
            }
        }

        TestContext.Current.TestOutputHelper?.WriteLine(string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}: {s.Value}")));
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.True(statuses.Where(s => s.Key is >= 200 and < 300).Sum(s => s.Value) > RequestCount / 20, "too few requests were valid to test anything");

        // The queue holds exactly the accepted tasks not flushed or cancelled since, each one valid.
        await using var redis = await fixture.ConnectAsync();
        var db = redis.GetDatabase();
        var pending = (await db.ListRangeAsync(QueueKeys.Pending)).Select(id => id.ToString()).ToHashSet();
        Assert.Equal(accepted.Order(), pending.Order());
        var queue = fixture.Service<TaskQueue>();
        foreach (var id in pending)
        {
            var record = (await queue.GetAsync(id))!;
            Assert.Null(ProductIdRule.Check(record.ProductId));
            Assert.True(record.ImagePath is null ? ImageReferenceRules.CheckUrl(record.ImageUrl!, false) is null : ImageReferenceRules.CheckPath(record.ImagePath) is null,
                $"task {id} has a bad image reference: {record.ImagePath ?? record.ImageUrl}");
            Assert.Null(InputRules.CheckMetadata(record.Metadata));
        }

        // No key names a task nobody was told about, or a product nobody indexed.
        var server = redis.GetServer(redis.GetEndPoints()[0]);
        await foreach (var key in server.KeysAsync(pattern: "*"))
        {
            var name = key.ToString();
            if (name.Contains("task:", StringComparison.Ordinal))
            {
                var id = name[(name.IndexOf("task:", StringComparison.Ordinal) + 5)..].Split(':')[0];
                Assert.True(everAccepted.Contains(id), $"key {name} is no accepted task's");
            }
            else if (name.StartsWith("products:point:", StringComparison.Ordinal))
            {
                Assert.Contains(name["products:point:".Length..], products);
            }
            else
            {
                Assert.True(name.StartsWith("products:", StringComparison.Ordinal) || name.Contains(QueueKeys.Pending, StringComparison.Ordinal),
                    $"unexpected key {name}");
            }
        }

        void Track(string taskId)
        {
            accepted.Add(taskId);
            everAccepted.Add(taskId);
        }
    }

    private static HttpRequestMessage Generate(Random random, string endpoint, IReadOnlyList<string> knownTasks)
    {
        var (method, template) = (endpoint.Split(' ')[0], endpoint.Split(' ')[1]);
        var path = template
            .Replace("{task}", Segment(random, knownTasks.Count > 0 && random.Next(3) == 0 ? knownTasks[random.Next(knownTasks.Count)] : new Guid(RandomBytes(random, 16)).ToString()))
            .Replace("{product}", Segment(random, ApiFixture.SeedProductId))
            .Replace("{path}", Segment(random, ApiFixture.SeedImagePath));
        // "//x" would read as a host, not a path.
        path = "/" + path.TrimStart('/');
        var query = string.Join("&", Enumerable.Range(0, random.Next(4)).Select(_ =>
            $"{Pick(random, ["limit", "offset", "min_score", "category", "filter", "include", "expires", "signature", "x"])}={Uri.EscapeDataString(Pick(random, Strings))}"));
        var request = new HttpRequestMessage(new HttpMethod(method), query.Length > 0 ? $"{path}?{query}" : path);

        if (method is "POST" or "PUT" && random.Next(10) > 0)
        {
            request.Content = Body(random, template);
        }

        switch (random.Next(4))
        {
            case 0:
                break;
            case 1:
                request.Headers.TryAddWithoutValidation("X-Api-Key", Pick(random, Strings));
                break;
            default:
                request.Headers.TryAddWithoutValidation("X-Api-Key", ApiFixture.ApiKey);
                break;
        }

        if (random.Next(4) == 0)
        {
            request.Headers.TryAddWithoutValidation("X-Forwarded-For", Pick(random, ["203.0.113.9", "::1", "garbage", "1.2.3.4, 5.6.7.8"]));
        }

        if (random.Next(4) == 0)
        {
            request.Headers.TryAddWithoutValidation("Accept", Pick(random, ["application/json", "text/html", "*/*", "garbage/;;"]));
        }

        return request;
    }

    // The in-process client refuses a NUL in a path before sending it (Kestrel answers such a request line with 400).
    private static readonly string[] PathStrings = [.. Strings.Where(value => !value.Contains('\0'))];

    private static string Segment(Random random, string valid) =>
        random.Next(2) == 0 ? Uri.EscapeDataString(valid) : Uri.EscapeDataString(Pick(random, PathStrings)).Replace("%2F", random.Next(2) == 0 ? "/" : "%2F");

    private static HttpContent Body(Random random, string template)
    {
        switch (random.Next(8))
        {
            case 0:
                return new StringContent(Pick(random, Strings), Encoding.UTF8, Pick(random, ["application/json", "text/plain", "application/xml"]));
            case 1:
            {
                var form = new MultipartFormDataContent();
                var bytes = random.Next(3) == 0 ? SeedImageBytes : RandomBytes(random, random.Next(0, 2000));
                var file = new ByteArrayContent(bytes);
                file.Headers.ContentType = new MediaTypeHeaderValue("image/png");
                form.Add(file, Pick(random, ["image", "file", "other"]), "upload.png");
                return form;
            }
            case 2:
            {
                var raw = new ByteArrayContent(RandomBytes(random, random.Next(0, 500)));
                raw.Headers.TryAddWithoutValidation("Content-Type", Pick(random, ["application/json", "multipart/form-data; boundary=x", "image/png", "application/json; charset=latin1"]));
                return raw;
            }
            default:
                var json = template.EndsWith("batch", StringComparison.Ordinal) && random.Next(2) == 0
                    ? $"{{\"tasks\":[{string.Join(",", Enumerable.Range(0, random.Next(0, 4)).Select(_ => JsonObject(random)))}]}}"
                    : JsonObject(random);
                return new StringContent(json, Encoding.UTF8, "application/json");
        }
    }

    /// <summary>An object with some of the fields the API knows, each valid, plausible or hostile.</summary>
    private static string JsonObject(Random random)
    {
        var fields = new Dictionary<string, object?>();
        if (random.Next(3) > 0)
        {
            fields["product_id"] = random.Next(2) == 0 ? $"gen-{random.Next(1000)}" : Pick(random, Strings);
        }

        if (random.Next(2) == 0)
        {
            fields["image_path"] = random.Next(2) == 0 ? ApiFixture.SeedImagePath : Pick(random, Strings);
        }
        else if (random.Next(2) == 0)
        {
            fields["image_url"] = Pick(random, Strings);
        }

        for (var extra = random.Next(3); extra > 0; extra--)
        {
            fields[Pick(random, FieldNames)] = random.Next(5) switch
            {
                0 => Pick(random, Strings),
                1 => random.Next(),
                2 => random.Next(2) == 0,
                3 => null,
                _ => Enumerable.Range(0, random.Next(4)).Select(_ => (Key: Pick(random, Strings), Value: (object?)(random.Next(3) == 0 ? new { nested = 1 } : Pick(random, Strings))))
                    .DistinctBy(field => field.Key).ToDictionary(field => field.Key, field => field.Value)
            };
        }

        return JsonSerializer.Serialize(fields);
    }

    private static readonly byte[] SeedImageBytes = MakeImage();

    private static byte[] MakeImage()
    {
        using var scene = Imaging.TestImages.Scene(64, 48);
        return Imaging.TestImages.Encode(scene, SkiaSharp.SKEncodedImageFormat.Png);
    }

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    private static T Pick<T>(Random random, IReadOnlyList<T> items) => items[random.Next(items.Count)];
}
