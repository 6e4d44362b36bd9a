using System.Net;
using ImageSearch.Api;
using ImageSearch.Indexing.Embedding;
using ImageSearch.Indexing.VectorStore;
using ImageSearch.Tests.Imaging;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using SkiaSharp;
using StackExchange.Redis;

namespace ImageSearch.Tests.Infrastructure;

/// <summary>
/// The API in-process (WebApplicationFactory, as eShop's functional tests run their services) over a real
/// redis-server of its own, with the real model and the embedded vector store. Its image root holds a seed image
/// (indexed as <see cref="SeedProductId"/>), a file outside the root and a link inside the root pointing at it.
/// Subclasses add settings. No worker runs: tasks stay where the API put them.
/// </summary>
public class ApiFixture : IAsyncLifetime
{
    public const string ApiKey = "in-process-test-key-3b9e71";
    public const string SeedProductId = "seed-product";
    public const string SeedImagePath = "catalog/seed.jpg";
    public const string EscapingLinkPath = "catalog/escaping-link.jpg";

    /// <summary>A test header: the client address the request appears to come from (TestServer has none).</summary>
    public const string PeerHeader = "X-Test-Peer";

    private string _dataPath = "";

    public RedisServer Redis { get; private set; } = null!;

    public ApiFactory Factory { get; private set; } = null!;

    public string ImageRoot { get; private set; } = "";

    public byte[] SeedImage { get; private set; } = [];

    /// <summary>Services to replace in the API (a fake clock, say).</summary>
    protected virtual void ConfigureServices(IServiceCollection services)
    {
    }

    /// <summary>Settings on top of the fixture's own (connection string, image root, API key).</summary>
    protected virtual IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>();

    public virtual async ValueTask InitializeAsync()
    {
        Redis = await RedisServer.StartAsync(RedisServerKind.Redis);
        _dataPath = Directory.CreateTempSubdirectory("imagesearch-api-").FullName;
        ImageRoot = Directory.CreateDirectory(Path.Combine(_dataPath, "images")).FullName;
        Directory.CreateDirectory(Path.Combine(ImageRoot, "catalog"));
        using (var scene = TestImages.Scene(640, 480))
        {
            SeedImage = TestImages.Encode(scene, SKEncodedImageFormat.Jpeg);
        }

        await File.WriteAllBytesAsync(Path.Combine(ImageRoot, SeedImagePath), SeedImage);
        var outside = Directory.CreateDirectory(Path.Combine(_dataPath, "outside")).FullName;
        await File.WriteAllBytesAsync(Path.Combine(outside, "secret.jpg"), SeedImage);
        File.CreateSymbolicLink(Path.Combine(ImageRoot, EscapingLinkPath), Path.Combine(outside, "secret.jpg"));

        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:redis"] = Redis.ConnectionString,
            ["ImageLoader:ImageRoot"] = ImageRoot,
            ["ApiKey:Key"] = ApiKey,
            ["Logging:LogLevel:Default"] = "Information"
        };
        foreach (var (name, value) in Settings)
        {
            settings[name] = value;
        }

        Factory = new ApiFactory(settings, ConfigureServices);
        await SeedAsync();
    }

    /// <summary>A client that sends the right key.</summary>
    public HttpClient CreateClient(string? peer = null)
    {
        var http = CreateAnonymousClient(peer);
        http.DefaultRequestHeaders.Add("X-Api-Key", ApiKey);
        return http;
    }

    public HttpClient CreateAnonymousClient(string? peer = null)
    {
        var http = Factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        if (peer is not null)
        {
            http.DefaultRequestHeaders.Add(PeerHeader, peer);
        }

        return http;
    }

    public T Service<T>() where T : notnull => Factory.Services.GetRequiredService<T>();

    /// <summary>Everything the API logged so far.</summary>
    public IReadOnlyList<FakeLogRecord> Logs => Factory.Services.GetFakeLogCollector().GetSnapshot();

    public async Task<ConnectionMultiplexer> ConnectAsync() => await Redis.ConnectAsync();

    /// <summary>Indexes the seed image as the seed product, with the API's own embedder and store.</summary>
    private async Task SeedAsync()
    {
        var embedder = Service<IImageEmbedder>();
        var vector = await embedder.EmbedAsync(new ImageSearch.Indexing.Imaging.ImageSource.File(SeedImagePath));
        await Service<IVectorStore>().UpsertAsync([new VectorPoint(SeedProductId, vector, new ProductPayload(
            SeedProductId, "Seed", null, SeedImagePath, new Dictionary<string, string> { ["category"] = "seed" },
            embedder.Model.Key, DateTimeOffset.UtcNow))]);
    }

    public virtual async ValueTask DisposeAsync()
    {
        await Factory.DisposeAsync();
        await Redis.DisposeAsync();
        Directory.Delete(_dataPath, recursive: true);
        GC.SuppressFinalize(this);
    }
}

/// <summary>The API's Program, with the fixture's settings, the log collected, and the client address from <see cref="ApiFixture.PeerHeader"/>.</summary>
public sealed class ApiFactory(IReadOnlyDictionary<string, string?> settings, Action<IServiceCollection> configureServices)
    : WebApplicationFactory<SearchOptions>
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (name, value) in settings)
        {
            builder.UseSetting(name, value);
        }

        builder.ConfigureLogging(logging => logging.AddFakeLogging());
        // First of all startup filters, so the peer is set before any middleware (forwarded headers too) reads it.
        builder.ConfigureServices(services => services.Insert(0, ServiceDescriptor.Singleton<IStartupFilter, TestPeerStartupFilter>()));
        builder.ConfigureServices(configureServices);
    }

    private sealed class TestPeerStartupFilter : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, nextMiddleware) =>
            {
                if (IPAddress.TryParse(context.Request.Headers[ApiFixture.PeerHeader], out var peer))
                {
                    context.Connection.RemoteIpAddress = peer;
                }

                return nextMiddleware(context);
            });
            next(app);
        };
    }
}
