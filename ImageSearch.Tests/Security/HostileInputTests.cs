using System.Buffers.Binary;
using System.IO.Hashing;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ImageSearch.Tests.Infrastructure;
using Microsoft.Extensions.Logging;

namespace ImageSearch.Tests.Security;

// Hostile requests against the API in-process over a real Redis: each gets the expected 4xx as a ProblemDetails, and
// none of them changes the queue or the index. Enqueue checks image paths and URLs up front; whether the file exists
// is the worker's business (a missing file becomes a dead letter, not a 400), so only refusals that need no file are here.
public class HostileInputTests(RemoteImagesOnApiFixture fixture) : IClassFixture<RemoteImagesOnApiFixture>
{
    private const HttpStatusCode BadRequest = HttpStatusCode.BadRequest;
    private const HttpStatusCode NotFound = HttpStatusCode.NotFound;

    private static readonly string[] TraversalPaths =
    [
        "../etc/passwd", "../../../../../../etc/passwd", "catalog/../../etc/passwd", "..\\..\\etc\\passwd",
        "catalog\\..\\..\\etc\\passwd", "%2e%2e/etc/passwd", "%2E%2E%2Fetc%2Fpasswd", "..%2fetc%2fpasswd", "..%5c..%5cetc",
        "\\etc\\passwd", "\\\\server\\share\\x.jpg", "C:\\Windows\\win.ini", "file:///etc/passwd",
        "catalog/seed.jpg\0.png", "catalog/\n../etc/passwd"
    ];

    private static readonly string[] ForbiddenUrls =
    [
        "file:///etc/passwd", "ftp://example.com/image.jpg", "gopher://example.com/", "http://127.0.0.1:6379/",
        "http://localhost/image.jpg", "http://[::1]/image.jpg", "http://0.0.0.0/image.jpg", "http://169.254.169.254/latest/meta-data/",
        "http://[fe80::1]/image.jpg", "http://10.0.0.1/image.jpg", "http://[::ffff:127.0.0.1]/image.jpg",
        "http://[64:ff9b::a9fe:a9fe]/latest/meta-data/", "http://[::127.0.0.1]/", "http://[2002:7f00:1::]/", "http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/",
        "http://168.63.129.16/machine?comp=goalstate", "http://[::ffff:0:a00:1]/"
    ];

    private static readonly string[] BadProductIds =
    [
        "", "   ", "evil\u202Egpj.exe", "zero\u200Bwidth", "nul\0byte", "new\nline", "\uFEFFbom", " padded", new string('x', 129)
    ];

    [Fact]
    public async Task Hostile_requests_get_problem_details_and_change_neither_queue_nor_index()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var http = fixture.CreateClient();
        var (statsBefore, searchBefore) = await SnapshotAsync(http, cancellationToken);

        var cases = HostileRequests().ToList();
        foreach (var (name, request, expected) in cases)
        {
            using var message = request();
            HttpResponseMessage response;
            try
            {
                response = await http.SendAsync(message, cancellationToken);
            }
            catch (HttpRequestException error)
            {
                throw new InvalidOperationException($"{name}: no answer", error);
            }

            using (response)
            {
                var problem = await Problems.AssertProblemAsync(response, name, expected);
                TestContext.Current.TestOutputHelper?.WriteLine($"{name}: {(int)response.StatusCode} {problem.GetProperty("title")}: {(problem.TryGetProperty("detail", out var detail) ? detail : problem.GetProperty("errors"))}");
            }
        }

        var (statsAfter, searchAfter) = await SnapshotAsync(http, cancellationToken);
        Assert.Equal(statsBefore, statsAfter);
        Assert.Equal(searchBefore, searchAfter);
        Assert.True(cases.Count > 80, $"only {cases.Count} cases");

        // A client's mistakes are not the server's errors: none of them is logged as a failure.
        var failures = fixture.Logs.Where(record => record.Level >= LogLevel.Error).Select(record => $"{record.Category}: {record.Message}").ToList();
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public async Task Problem_details_say_why_a_body_was_refused()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var http = fixture.CreateClient();

        var malformed = await Problems.AssertProblemAsync(
            await http.SendAsync(Json(HttpMethod.Post, "/queue/enqueue", "{\"product_id\": \"p\", \"image_path\": "), cancellationToken),
            "malformed JSON", BadRequest);
        Assert.Contains("JSON", malformed.GetProperty("detail").GetString());

        var deep = await Problems.AssertProblemAsync(
            await http.SendAsync(Json(HttpMethod.Post, "/queue/enqueue", DeepJson(40)), cancellationToken), "deep JSON", BadRequest);
        Assert.Contains("depth", deep.GetProperty("detail").GetString());

        var productId = await Problems.AssertProblemAsync(
            await http.PostAsJsonAsync("/queue/enqueue", new { product_id = "a\u202Eb", image_path = ApiFixture.SeedImagePath }, cancellationToken),
            "RTL override", BadRequest);
        Assert.Contains("U+202E", productId.GetProperty("detail").GetString());

        var bomb = await Problems.AssertProblemAsync(
            await http.PostAsync("/search", Upload(DecompressionBombPng()), cancellationToken), "decompression bomb", HttpStatusCode.RequestEntityTooLarge);
        Assert.Contains("pixels", bomb.GetProperty("detail").GetString());
        Assert.True(bomb.GetProperty("errors").TryGetProperty("image", out _));

        var symlink = await Problems.AssertProblemAsync(
            await http.PostAsJsonAsync("/search", new { image_path = ApiFixture.EscapingLinkPath }, cancellationToken),
            "symbolic link out of the root", BadRequest);
        Assert.Contains("symbolic link", symlink.GetProperty("detail").GetString());

        // The real file behind the link is there: only the link is refused.
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"/images/{ApiFixture.SeedImagePath}", cancellationToken)).StatusCode);
    }

    [Fact]
    public async Task Mutating_endpoints_need_the_right_key_and_never_echo_it_while_reads_stay_open()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var anonymous = fixture.CreateAnonymousClient();
        const string wrongKey = "security-test-key-6f1d2d";
        (HttpMethod Method, string Path)[] mutating =
        [
            (HttpMethod.Post, "/queue/enqueue"), (HttpMethod.Post, "/queue/enqueue/batch"), (HttpMethod.Post, "/queue/flush"),
            (HttpMethod.Post, "/queue/dead/some-task/requeue"), (HttpMethod.Post, "/queue/tasks/some-task/cancel"),
            (HttpMethod.Delete, $"/products/{ApiFixture.SeedProductId}")
        ];

        foreach (var (method, path) in mutating)
        {
            foreach (var key in new[] { null, "", wrongKey, wrongKey[..^1], ApiFixture.ApiKey.ToUpperInvariant() })
            {
                using var request = Json(method, path, $"{{\"product_id\":\"p\",\"image_path\":\"{ApiFixture.SeedImagePath}\"}}");
                if (key is not null)
                {
                    request.Headers.Add("X-Api-Key", key);
                }

                using var response = await anonymous.SendAsync(request, cancellationToken);
                await Problems.AssertProblemAsync(response, $"{method} {path} with key '{key}'", HttpStatusCode.Unauthorized);
                Assert.DoesNotContain(wrongKey, await response.Content.ReadAsStringAsync(cancellationToken), StringComparison.Ordinal);
            }
        }

        // The API logs at debug level here: the requests above are in its log, the keys are not.
        Assert.Contains(fixture.Logs, record => record.Message.Contains("/queue/enqueue", StringComparison.Ordinal));
        Assert.DoesNotContain(fixture.Logs, record => record.Message.Contains(wrongKey[..^1], StringComparison.Ordinal)
            || record.Message.Contains(ApiFixture.ApiKey, StringComparison.OrdinalIgnoreCase));

        // Nothing was deleted, and reads need no key by default.
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync($"/products/{ApiFixture.SeedProductId}", cancellationToken)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/queue/stats", cancellationToken)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.PostAsync("/search", Upload(fixture.SeedImage), cancellationToken)).StatusCode);
    }

    private IEnumerable<(string Name, Func<HttpRequestMessage> Request, HttpStatusCode[] Expected)> HostileRequests()
    {
        var seed = ApiFixture.SeedImagePath;
        foreach (var path in TraversalPaths)
        {
            yield return ($"enqueue image_path {path}", () => JsonOf("/queue/enqueue", new { product_id = "p", image_path = path }), [BadRequest]);
            // Search resolves the path: a literal '%2e%2e' folder is simply not there (404); traversal is 400.
            yield return ($"search image_path {path}", () => JsonOf("/search", new { image_path = path }), [BadRequest, NotFound]);
        }

        yield return ("enqueue a symbolic link is checked by the worker, search refuses it",
            () => JsonOf("/search", new { image_path = ApiFixture.EscapingLinkPath }), [BadRequest]);
        foreach (var path in new[] { ApiFixture.EscapingLinkPath, "%2e%2e/%2e%2e/etc/passwd", "..%2f..%2fetc%2fpasswd", "%2fetc%2fpasswd", "catalog%5c..%5c..%5cetc%5cpasswd" })
        {
            yield return ($"GET /images/{path}", () => new HttpRequestMessage(HttpMethod.Get, new Uri($"/images/{path}", UriKind.Relative)), [BadRequest, NotFound]);
        }

        foreach (var url in ForbiddenUrls)
        {
            yield return ($"enqueue image_url {url}", () => JsonOf("/queue/enqueue", new { product_id = "p", image_url = url }), [BadRequest]);
            yield return ($"search image_url {url}", () => JsonOf("/search", new { image_url = url }), [BadRequest]);
        }

        foreach (var id in BadProductIds)
        {
            yield return ($"enqueue product_id '{id}'", () => JsonOf("/queue/enqueue", new { product_id = id, image_path = seed }), [BadRequest]);
        }

        // A lone surrogate cannot be written by the serializer; send it escaped.
        yield return ("enqueue product_id lone surrogate", () => Json(HttpMethod.Post, "/queue/enqueue", $"{{\"product_id\":\"a\\ud800b\",\"image_path\":\"{seed}\"}}"), [BadRequest]);
        yield return ("batch with one bad task", () => JsonOf("/queue/enqueue/batch", new
        {
            tasks = new object[] { new { product_id = "good", image_path = seed }, new { product_id = "bad", image_path = "../etc/passwd" } }
        }), [BadRequest]);
        yield return ("batch of 1001", () => JsonOf("/queue/enqueue/batch", new
        {
            tasks = Enumerable.Range(0, 1001).Select(i => new { product_id = $"p{i}", image_path = seed }).ToArray()
        }), [BadRequest]);
        yield return ("empty batch", () => JsonOf("/queue/enqueue/batch", new { tasks = Array.Empty<object>() }), [BadRequest]);
        yield return ("batch without tasks", () => Json(HttpMethod.Post, "/queue/enqueue/batch", "{}"), [BadRequest]);

        yield return ("malformed JSON enqueue", () => Json(HttpMethod.Post, "/queue/enqueue", "{\"product_id\": "), [BadRequest]);
        yield return ("malformed JSON batch", () => Json(HttpMethod.Post, "/queue/enqueue/batch", "[1,2"), [BadRequest]);
        yield return ("malformed JSON search", () => Json(HttpMethod.Post, "/search", "{\"image_path\": tru"), [BadRequest]);
        yield return ("JSON of the wrong shape", () => Json(HttpMethod.Post, "/queue/enqueue", "{\"product_id\": {\"a\": 1}}"), [BadRequest]);
        yield return ("empty JSON body", () => Json(HttpMethod.Post, "/queue/enqueue", ""), [BadRequest]);
        yield return ("nested metadata", () => Json(HttpMethod.Post, "/queue/enqueue", $"{{\"product_id\":\"p\",\"image_path\":\"{seed}\",\"metadata\":{{\"a\":{{\"b\":1}}}}}}"), [BadRequest]);
        yield return ("deep JSON enqueue", () => Json(HttpMethod.Post, "/queue/enqueue", DeepJson(40)), [BadRequest]);
        yield return ("deep JSON search", () => Json(HttpMethod.Post, "/search", DeepJson(40)), [BadRequest]);
        yield return ("very deep JSON", () => Json(HttpMethod.Post, "/queue/enqueue", DeepJson(10_000)), [BadRequest]);

        yield return ("text/plain enqueue", () => Body("/queue/enqueue", "product_id=p", "text/plain"), [HttpStatusCode.UnsupportedMediaType]);
        yield return ("XML enqueue", () => Body("/queue/enqueue", "<task/>", "application/xml"), [HttpStatusCode.UnsupportedMediaType]);
        yield return ("form enqueue", () => Body("/queue/enqueue", "product_id=p", "application/x-www-form-urlencoded"), [HttpStatusCode.UnsupportedMediaType]);
        yield return ("no content type enqueue", () => new HttpRequestMessage(HttpMethod.Post, "/queue/enqueue") { Content = new ByteArrayContent("{}"u8.ToArray()) }, [HttpStatusCode.UnsupportedMediaType]);
        yield return ("text/plain search", () => Body("/search", "x", "text/plain"), [HttpStatusCode.UnsupportedMediaType]);
        yield return ("image/jpeg body search", () => new HttpRequestMessage(HttpMethod.Post, "/search") { Content = Raw(fixture.SeedImage, "image/jpeg") }, [HttpStatusCode.UnsupportedMediaType]);

        // (A 50 MB JSON body is refused by Kestrel's own limit, which the in-process server does not have: see ApplicationRoundTripTests.)
        yield return ("50 MB search upload", () => Huge("/search", Upload(new byte[50 * 1024 * 1024])), [HttpStatusCode.RequestEntityTooLarge]);
        yield return ("decompression bomb", () => new HttpRequestMessage(HttpMethod.Post, "/search") { Content = Upload(DecompressionBombPng()) }, [HttpStatusCode.RequestEntityTooLarge]);
        yield return ("not an image", () => new HttpRequestMessage(HttpMethod.Post, "/search") { Content = Upload("plain text, not an image at all"u8.ToArray()) }, [HttpStatusCode.UnprocessableEntity, HttpStatusCode.UnsupportedMediaType]);
        yield return ("truncated photo", () => new HttpRequestMessage(HttpMethod.Post, "/search") { Content = Upload(fixture.SeedImage[..200]) }, [HttpStatusCode.UnprocessableEntity]);
        yield return ("empty upload", () => new HttpRequestMessage(HttpMethod.Post, "/search") { Content = Upload([]) }, [BadRequest]);
        yield return ("search JSON with both path and URL", () => JsonOf("/search", new { image_path = seed, image_url = "https://example.com/a.jpg" }), [BadRequest]);
        yield return ("limit=0", () => JsonOf("/search?limit=0", new { image_path = seed }), [BadRequest]);
        yield return ("limit=abc", () => JsonOf("/search?limit=abc", new { image_path = seed }), [BadRequest]);
        yield return ("min_score=NaN", () => JsonOf("/search?min_score=NaN", new { image_path = seed }), [BadRequest]);
        yield return ("filter without value", () => JsonOf("/search?filter=color", new { image_path = seed }), [BadRequest]);
        yield return ("flush scope unknown", () => new HttpRequestMessage(HttpMethod.Post, "/queue/flush?include=everything"), [BadRequest]);
        yield return ("dead letters limit", () => new HttpRequestMessage(HttpMethod.Get, "/queue/dead?limit=100000"), [BadRequest]);

        // A well-formed id that names no task is unknown; an id no task can have (':' makes it another Redis key) is invalid.
        foreach (var (id, expected) in new[] { ("no-such-task", NotFound), ("..%2f..%2fetc%2fpasswd", BadRequest), ("%E2%80%AEevil", BadRequest),
                     (new string('x', 2000), BadRequest), ("x:history", BadRequest), ("x%3Ahistory", BadRequest), ("%20", BadRequest) })
        {
            yield return ($"status of {id[..Math.Min(id.Length, 40)]}", () => new HttpRequestMessage(HttpMethod.Get, $"/queue/status/{id}"), [expected]);
            yield return ($"cancel {id[..Math.Min(id.Length, 40)]}", () => new HttpRequestMessage(HttpMethod.Post, $"/queue/tasks/{id}/cancel"), [expected]);
            yield return ($"requeue {id[..Math.Min(id.Length, 40)]}", () => new HttpRequestMessage(HttpMethod.Post, $"/queue/dead/{id}/requeue"), [expected]);
        }

        // Seen in the code: each of these passed validation and then threw in the store (500).
        yield return ("filter field with a dot", () => JsonOf("/search?filter=a.b:x", new { image_path = seed }), [BadRequest]);
        yield return ("similar with a dotted filter", () => new HttpRequestMessage(HttpMethod.Get, $"/products/{ApiFixture.SeedProductId}/similar?filter=a.b:x"), [BadRequest]);
        foreach (var id in new[] { "%20", "%20%20", "%09", "%0A", "%E2%80%8B" })
        {
            yield return ($"GET product '{id}'", () => new HttpRequestMessage(HttpMethod.Get, $"/products/{id}"), [BadRequest]);
            yield return ($"DELETE product '{id}'", () => new HttpRequestMessage(HttpMethod.Delete, $"/products/{id}"), [BadRequest]);
            yield return ($"similar to product '{id}'", () => new HttpRequestMessage(HttpMethod.Get, $"/products/{id}/similar"), [BadRequest]);
        }

        yield return ("metadata key with a dot", () => JsonOf("/queue/enqueue", new { product_id = "p", image_path = seed, metadata = new Dictionary<string, string> { ["a.b"] = "x" } }), [BadRequest]);
        yield return ("metadata key with a space", () => JsonOf("/queue/enqueue", new { product_id = "p", image_path = seed, metadata = new Dictionary<string, string> { ["a b"] = "x" } }), [BadRequest]);
        yield return ("batch metadata key with a dot", () => JsonOf("/queue/enqueue/batch", new { tasks = new[] { new { product_id = "p", image_path = seed, metadata = new Dictionary<string, string> { ["a.b"] = "x" } } } }), [BadRequest]);
        yield return ("too many metadata fields", () => JsonOf("/queue/enqueue", new { product_id = "p", image_path = seed, metadata = Enumerable.Range(0, 65).ToDictionary(i => $"f{i}", i => "v") }), [BadRequest]);
        yield return ("dead letters page over the cap", () => new HttpRequestMessage(HttpMethod.Get, "/queue/dead?limit=101"), [BadRequest]);
        yield return ("dead letters negative offset", () => new HttpRequestMessage(HttpMethod.Get, "/queue/dead?offset=-1"), [BadRequest]);
        yield return ("image root itself", () => JsonOf("/queue/enqueue", new { product_id = "p", image_path = "/" }), [BadRequest]);

        yield return ("delete unknown product", () => new HttpRequestMessage(HttpMethod.Delete, "/products/no-such-product"), [NotFound]);
        yield return ("similar to unknown product", () => new HttpRequestMessage(HttpMethod.Get, "/products/no-such-product/similar"), [NotFound]);
        yield return ("unknown route", () => new HttpRequestMessage(HttpMethod.Get, "/../../etc/passwd"), [NotFound]);
    }

    private static async Task<(string Stats, string Search)> SnapshotAsync(HttpClient http, CancellationToken cancellationToken)
    {
        var stats = await http.GetFromJsonAsync<JsonElement>("/queue/stats", cancellationToken);
        var figures = string.Join(",", new[] { "pending", "processing", "delayed", "dead", "enqueued", "completed", "failed" }
            .Select(name => $"{name}={stats.GetProperty(name).GetInt64()}"));
        var search = await http.PostAsJsonAsync("/search?limit=100", new { image_path = ApiFixture.SeedImagePath }, cancellationToken);
        search.EnsureSuccessStatusCode();
        var results = (await search.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("results").EnumerateArray()
            .Select(hit => $"{hit.GetProperty("product_id").GetString()}:{hit.GetProperty("score").GetSingle():0.0000}");
        return (figures, string.Join(",", results));
    }

    private static HttpRequestMessage JsonOf(string path, object body) =>
        new(HttpMethod.Post, path) { Content = JsonContent.Create(body) };

    private static HttpRequestMessage Json(HttpMethod method, string path, string body) => new(method, path)
    {
        Content = new StringContent(body, Encoding.UTF8, "application/json")
    };

    private static HttpRequestMessage Body(string path, string body, string contentType) => new(HttpMethod.Post, path)
    {
        Content = new StringContent(body, Encoding.UTF8, contentType)
    };

    private static ByteArrayContent Raw(byte[] bytes, string contentType)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        return content;
    }

    private static MultipartFormDataContent Upload(byte[] image)
    {
        var form = new MultipartFormDataContent();
        form.Add(Raw(image, "image/png"), "image", "query.png");
        return form;
    }

    // Expect: 100-continue lets the server refuse by the declared length before the client sends 50 MB.
    private static HttpRequestMessage Huge(string path, HttpContent content)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
        request.Headers.ExpectContinue = true;
        return request;
    }

    private static string DeepJson(int depth) =>
        $"{{\"product_id\":\"p\",\"image_path\":\"{ApiFixture.SeedImagePath}\",\"metadata\":" +
        string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + new string('}', depth) + "}";

    /// <summary>A 60-byte PNG whose header declares 50000 × 50000 pixels (2.5 gigapixels, 10 GB decoded).</summary>
    private static byte[] DecompressionBombPng()
    {
        using var png = new MemoryStream();
        png.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, 50_000);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), 50_000);
        header[8] = 8;  // bit depth
        header[9] = 2;  // RGB
        WriteChunk(png, "IHDR", header);
        WriteChunk(png, "IDAT", [0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]);
        WriteChunk(png, "IEND", []);
        return png.ToArray();
    }

    private static void WriteChunk(Stream png, string type, byte[] data)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, data.Length);
        png.Write(length);
        var typeAndData = Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
        png.Write(typeAndData);
        Span<byte> crc = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crc, Crc32.HashToUInt32(typeAndData));
        png.Write(crc);
    }
}
