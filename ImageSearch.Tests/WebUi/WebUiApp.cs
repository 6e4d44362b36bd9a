using System.Net.Http.Json;
using System.Text.Json;
using ImageSearch.Tests.Infrastructure;
using Microsoft.Playwright;

namespace ImageSearch.Tests.WebUi;

[CollectionDefinition(Name)]
public sealed class WebUiCollection : ICollectionFixture<WebUiApp>
{
    public const string Name = "Web UI";
}

/// <summary>
/// One AppHost in local mode for the web page and API description tests, its image root a temporary folder holding a
/// few real photos: four indexed as products (categories "even" and "odd"), one left for a test to enqueue, and one
/// kept outside the root. Also a
/// headless Debian Chromium, when installed.
/// </summary>
public sealed class WebUiApp : IAsyncLifetime
{
    public const string ApiKey = "web-ui-test-key";
    private const int IndexedCount = 4;
    private const string ChromiumPath = "/usr/bin/chromium";

    private string dataPath = "";
    private DistributedApplication? app;
    private IPlaywright? playwright;

    public DistributedApplication App => app ?? throw new InvalidOperationException("Not started.");

    public Uri ApiAddress { get; private set; } = null!;

    /// <summary>The indexed products, by id: their image path under the root and the photo on disk.</summary>
    public IReadOnlyList<(string ProductId, string ImagePath, string Category, string File)> Products { get; private set; } = [];

    /// <summary>A photo under the image root that nothing has indexed yet.</summary>
    public string? UnindexedImagePath { get; private set; }

    /// <summary>A photo kept out of the image root, for a test to put there late.</summary>
    public string? SparePhoto { get; private set; }

    public string ImageRoot { get; private set; } = "";

    public IBrowser? Browser { get; private set; }

    public string? PhotosMissing { get; private set; }

    public string? BrowserMissing { get; private set; }

    public async ValueTask InitializeAsync()
    {
        using var timeout = new CancellationTokenSource(TestAppHost.StartTimeout + TimeSpan.FromMinutes(2));
        var cancellationToken = timeout.Token;

        dataPath = Directory.CreateTempSubdirectory("imagesearch-webui-").FullName;
        var imageRoot = ImageRoot = Directory.CreateDirectory(Path.Combine(dataPath, "images", "catalog")).Parent!.FullName;
        var photos = Directory.Exists(TestPhotos.Folder)
            ? Directory.GetFiles(TestPhotos.Folder, "*.jpg").Order(StringComparer.Ordinal).Take(IndexedCount + 2).ToList()
            : [];
        if (photos.Count < IndexedCount + 2)
        {
            PhotosMissing = "No test photos in test-data/photos: run .ci/fetch-test-photos";
        }
        else
        {
            SparePhoto = photos[^1];
            photos.RemoveAt(photos.Count - 1);
        }

        foreach (var photo in photos)
        {
            File.Copy(photo, Path.Combine(imageRoot, "catalog", Path.GetFileName(photo)));
        }

        app = await TestAppHost.StartAsync(
            ["--Mode=local", "--LocalRedisServer=garnet", $"--LocalDataPath={dataPath}", $"--ImageRoot={imageRoot}",
                $"--Parameters:api-key={ApiKey}"], cancellationToken);
        ApiAddress = app.GetEndpoint("api", "http");

        if (PhotosMissing is null)
        {
            await IndexAsync(photos, cancellationToken);
        }

        if (File.Exists(ChromiumPath))
        {
            playwright = await Playwright.CreateAsync();
            // Debian's Chromium, not a browser Playwright downloads; quiet flags keep it from calling home.
            Browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = ChromiumPath,
                Headless = true,
                Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--no-first-run", "--disable-quic"]
            });
        }
        else
        {
            BrowserMissing = $"No Chromium at {ChromiumPath}: apt-get install chromium";
        }
    }

    public HttpClient CreateClient()
    {
        var http = App.CreateHttpClient("api");
        http.DefaultRequestHeaders.Add("X-Api-Key", ApiKey);
        return http;
    }

    /// <summary>Skips the test without a browser, except in CI, where a missing browser is a failure.</summary>
    public void RequireBrowser()
    {
        if (BrowserMissing is not null)
        {
            if (Environment.GetEnvironmentVariable("CI") == "true")
            {
                Assert.Fail(BrowserMissing + " (CI must install it: see .ci/run)");
            }

            Assert.Skip(BrowserMissing);
        }

        Assert.SkipWhen(PhotosMissing is not null, PhotosMissing ?? "");
    }

    public async ValueTask DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        playwright?.Dispose();
        if (app is not null)
        {
            await app.DisposeAsync();
        }

        if (dataPath.Length > 0)
        {
            Directory.Delete(dataPath, recursive: true);
        }
    }

    private async Task IndexAsync(IReadOnlyList<string> photos, CancellationToken cancellationToken)
    {
        using var http = CreateClient();
        var products = photos.Take(IndexedCount).Select((photo, i) => (
            ProductId: $"photo-{i:00}",
            ImagePath: $"catalog/{Path.GetFileName(photo)}",
            Category: i % 2 == 0 ? "even" : "odd",
            File: photo)).ToList();
        var taskIds = new List<string>();
        foreach (var product in products)
        {
            var response = await http.PostAsJsonAsync("/queue/enqueue", new
            {
                image_path = product.ImagePath,
                product_id = product.ProductId,
                name = $"Product {product.ProductId}",
                metadata = new { category = product.Category }
            }, cancellationToken);
            response.EnsureSuccessStatusCode();
            taskIds.Add((await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("task_id").GetString()!);
        }

        foreach (var taskId in taskIds)
        {
            var status = await Eventually.ValueAsync(async () =>
                {
                    var current = (await http.GetFromJsonAsync<JsonElement>($"/queue/status/{taskId}", cancellationToken)).GetProperty("status").GetString();
                    return current is "completed" or "dead" or "cancelled" ? current : null;
                },
                $"indexing task {taskId} is finished", TimeSpan.FromMinutes(3));
            if (status != "completed")
            {
                throw new InvalidOperationException($"Indexing task {taskId} ended {status}.");
            }
        }

        Products = products;
        UnindexedImagePath = $"catalog/{Path.GetFileName(photos[IndexedCount])}";
    }
}
