using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ImageSearch.Tests.Infrastructure;

namespace ImageSearch.Tests.WebUi;

// The OpenAPI document and the reference page, from the API as the AppHost runs it.
[Collection(WebUiCollection.Name)]
public class ApiDescriptionTests(WebUiApp fixture)
{
    [Fact]
    public async Task The_document_lists_the_endpoints_and_puts_the_api_key_on_the_mutating_ones()
    {
        using var http = fixture.App.CreateHttpClient("api");
        var document = await http.GetFromJsonAsync<JsonElement>("/openapi/v1.json", TestContext.Current.CancellationToken);

        var paths = document.GetProperty("paths");
        foreach (var path in new[] { "/search", "/queue/enqueue", "/queue/enqueue/batch", "/queue/status/{taskId}", "/queue/stats",
                     "/queue/workers", "/queue/dead", "/queue/dead/{taskId}/requeue", "/queue/flush", "/products/{productId}" })
        {
            Assert.True(paths.TryGetProperty(path, out _), $"{path} is missing from the document");
        }

        var scheme = document.GetProperty("components").GetProperty("securitySchemes").GetProperty("ApiKey");
        Assert.Equal("apiKey", scheme.GetProperty("type").GetString());
        Assert.Equal("header", scheme.GetProperty("in").GetString());
        Assert.Equal("X-Api-Key", scheme.GetProperty("name").GetString());

        Assert.True(RequiresApiKey(paths, "/queue/enqueue", "post"));
        Assert.True(RequiresApiKey(paths, "/queue/dead/{taskId}/requeue", "post"));
        Assert.True(RequiresApiKey(paths, "/queue/flush", "post"));
        Assert.True(RequiresApiKey(paths, "/products/{productId}", "delete"));
        // Reads are open unless ApiKey:RequireForReads is set, and the AppHost does not set it.
        Assert.False(RequiresApiKey(paths, "/queue/stats", "get"));
        Assert.False(RequiresApiKey(paths, "/search", "post"));

        // The upload is described as a file field, and the enqueue body has an example to start from.
        var upload = paths.GetProperty("/search").GetProperty("post").GetProperty("requestBody").GetProperty("content")
            .GetProperty("multipart/form-data").GetProperty("schema").GetProperty("properties").GetProperty("image");
        Assert.Equal("binary", upload.GetProperty("format").GetString());
        var enqueueExample = document.GetProperty("components").GetProperty("schemas").GetProperty("EnqueueRequest")
            .GetProperty("examples")[0];
        Assert.True(enqueueExample.TryGetProperty("product_id", out _));
    }

    [Fact]
    public async Task The_build_writes_the_same_document_the_api_serves()
    {
        var written = Path.Combine(RepositoryPaths.Root, "ImageSearch.Api", "obj", "ImageSearch.Api.json");
        Assert.True(File.Exists(written), $"the build did not write {written}");

        using var http = fixture.App.CreateHttpClient("api");
        var served = await http.GetFromJsonAsync<JsonElement>("/openapi/v1.json", TestContext.Current.CancellationToken);
        var built = JsonDocument.Parse(await File.ReadAllTextAsync(written, TestContext.Current.CancellationToken)).RootElement;

        Assert.Equal(
            served.GetProperty("paths").EnumerateObject().Select(path => path.Name).Order(),
            built.GetProperty("paths").EnumerateObject().Select(path => path.Name).Order());
        Assert.True(built.GetProperty("components").GetProperty("securitySchemes").TryGetProperty("ApiKey", out _));
    }

    [Fact]
    public async Task The_reference_page_is_served_in_development()
    {
        using var http = fixture.App.CreateHttpClient("api");
        var response = await http.GetAsync("/scalar/", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var page = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.Contains("openapi/v1.json", page);
        // Its script comes from the API itself, not from a CDN.
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/scalar/scalar.js", TestContext.Current.CancellationToken)).StatusCode);
    }

    private static bool RequiresApiKey(JsonElement paths, string path, string method) =>
        paths.GetProperty(path).GetProperty(method).TryGetProperty("security", out var security)
        && security.EnumerateArray().Any(requirement => requirement.TryGetProperty("ApiKey", out _));
}
