using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Testing;
using ImageSearch.Tests.Infrastructure;

namespace ImageSearch.Tests.Security;

/// <summary>
/// The whole application in local mode, one per test class: an image root holding one real photo, a file outside
/// the root and a symbolic link inside the root that points at it; one product indexed from the photo.
/// </summary>
public abstract class SecurityAppHostFixture : IAsyncLifetime
{
    public const string ApiKey = "security-test-key-6f1d2c";
    public const string SeedProductId = "seed-product";
    public const string SeedImagePath = "catalog/seed.jpg";
    public const string EscapingLinkPath = "catalog/escaping-link.jpg";

    private string _dataPath = "";
    private DistributedApplication? _app;

    public DistributedApplication App => _app ?? throw new InvalidOperationException("Not started.");

    public string SeedPhoto { get; private set; } = "";

    /// <summary>Environment for the API on top of what the AppHost gives it.</summary>
    protected abstract IReadOnlyDictionary<string, string> ApiEnvironment { get; }

    public async ValueTask InitializeAsync()
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TestAppHost.StartTimeout);
        var cancellationToken = timeout.Token;

        _dataPath = Directory.CreateTempSubdirectory("imagesearch-security-").FullName;
        var imageRoot = Directory.CreateDirectory(Path.Combine(_dataPath, "images")).FullName;
        Directory.CreateDirectory(Path.Combine(imageRoot, "catalog"));
        SeedPhoto = TestPhotos.All()[0];
        File.Copy(SeedPhoto, Path.Combine(imageRoot, SeedImagePath));
        var outside = Directory.CreateDirectory(Path.Combine(_dataPath, "outside")).FullName;
        File.Copy(SeedPhoto, Path.Combine(outside, "secret.jpg"));
        File.CreateSymbolicLink(Path.Combine(imageRoot, EscapingLinkPath), Path.Combine(outside, "secret.jpg"));

        _app = await TestAppHost.StartAsync(
            ["--Mode=local", "--Workers=1", $"--LocalDataPath={_dataPath}", $"--ImageRoot={imageRoot}", $"--Parameters:api-key={ApiKey}"],
            cancellationToken,
            builder =>
            {
                // The testing host forwards each resource's console output to its loggers; collect it to read the API's log.
                builder.Services.AddFakeLogging();
                var api = builder.CreateResourceBuilder<ProjectResource>("api");
                foreach (var (name, value) in ApiEnvironment)
                {
                    api.WithEnvironment(name, value);
                }
            });

        using var http = CreateClient();
        var enqueued = await http.PostAsJsonAsync("/queue/enqueue", new { product_id = SeedProductId, image_path = SeedImagePath }, cancellationToken);
        enqueued.EnsureSuccessStatusCode();
        var taskId = (await enqueued.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("task_id").GetString();
        await Eventually.HoldsAsync(async () =>
            (await http.GetFromJsonAsync<JsonElement>($"/queue/status/{taskId}", cancellationToken)).GetProperty("status").GetString() == "completed",
            $"the seed task {taskId} is completed", TestAppHost.StartTimeout);
    }

    /// <summary>Every line the resources logged so far.</summary>
    public IReadOnlyList<FakeLogRecord> Logs => App.Services.GetFakeLogCollector().GetSnapshot();

    /// <summary>A client that sends the right API key.</summary>
    public HttpClient CreateClient()
    {
        var http = App.CreateHttpClient("api");
        http.DefaultRequestHeaders.Add("X-Api-Key", ApiKey);
        return http;
    }

    /// <summary>A client that sends no API key.</summary>
    public HttpClient CreateAnonymousClient() => App.CreateHttpClient("api");

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }

        if (_dataPath.Length > 0)
        {
            Directory.Delete(_dataPath, recursive: true);
        }

        GC.SuppressFinalize(this);
    }
}

/// <summary>Default limits, with remote images switched on.</summary>
public sealed class RemoteImagesOnAppHostFixture : SecurityAppHostFixture
{
    protected override IReadOnlyDictionary<string, string> ApiEnvironment { get; } = new Dictionary<string, string>
    {
        ["ImageLoader__RemoteImagesEnabled"] = "true"
    };
}
