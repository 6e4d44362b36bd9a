using ImageSearch.Indexing.Imaging;
using ImageSearch.Tests.Embedding;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using ImageSearch.Indexing.Embedding;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SkiaSharp;

namespace ImageSearch.Tests.Imaging;

/// <summary>Remote images against a real HTTP server on loopback (so these tests allow private networks unless they test that rule).</summary>
public sealed class RemoteImageFetcherTests : IAsyncLifetime
{
    private const int MaxRemoteBytes = 1024 * 1024;
    private static readonly byte[] Jpeg = MakeJpeg();
    private WebApplication _server = null!;
    private Uri _base = null!;
    private int _unavailableHits;

    public async ValueTask InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _server = builder.Build();
        _server.MapGet("/photo.jpg", () => Results.Bytes(Jpeg, "image/jpeg"));
        _server.MapGet("/missing.jpg", () => Results.NotFound());
        _server.MapGet("/unavailable.jpg", () =>
        {
            Interlocked.Increment(ref _unavailableHits);
            return Results.StatusCode(StatusCodes.Status503ServiceUnavailable);
        });
        _server.MapGet("/big.jpg", () => Results.Bytes(new byte[MaxRemoteBytes + 1], "image/jpeg"));
        _server.MapGet("/big-unannounced.jpg", async (HttpResponse response) =>
        {
            // No Content-Length: the size cap must hold while reading.
            var chunk = new byte[64 * 1024];
            for (var sent = 0; sent <= MaxRemoteBytes; sent += chunk.Length)
            {
                await response.Body.WriteAsync(chunk);
                await response.Body.FlushAsync();
            }
        });
        _server.MapGet("/redirect/{hops:int}", (int hops) => Results.Redirect(hops <= 1 ? "/photo.jpg" : $"/redirect/{hops - 1}"));
        _server.MapGet("/redirect-to-file", () => Results.Redirect("file:///etc/passwd"));
        _server.MapGet("/redirect-to-ip", (HttpRequest request) => Results.Redirect($"http://127.0.0.1:{request.Host.Port}/photo.jpg"));
        _server.MapGet("/slow.jpg", async (CancellationToken aborted) =>
        {
            await Task.Delay(Timeout.Infinite, aborted);
            return Results.Ok();
        });
        await _server.StartAsync();
        _base = new Uri(_server.Urls.Single());
    }

    [Fact]
    public async Task An_allowed_URL_is_fetched_whole()
    {
        Assert.Equal(Jpeg, await Fetch("/photo.jpg"));
    }

    [Fact]
    public async Task Redirects_within_the_limit_are_followed()
    {
        Assert.Equal(Jpeg, await Fetch("/redirect/3"));
    }

    [Fact]
    public async Task More_redirects_than_allowed_are_refused()
    {
        await AssertFails(ImageErrorKind.UrlNotAllowed, "/redirect/4", "redirects more than 3");
    }

    [Fact]
    public async Task A_redirect_to_another_scheme_is_refused()
    {
        await AssertFails(ImageErrorKind.UrlNotAllowed, "/redirect-to-file", NetworkAddressRules.RefusedMessage);
    }

    [Fact]
    public async Task A_redirect_to_a_host_off_the_allow_list_is_refused()
    {
        var settings = new Dictionary<string, string?> { ["ImageLoader:AllowedHosts:0"] = "localhost" };
        var localhost = new UriBuilder(_base) { Host = "localhost" }.Uri;

        Assert.Equal(Jpeg, await Fetch(new Uri(localhost, "/photo.jpg"), settings));
        await AssertFails(ImageErrorKind.UrlNotAllowed, new Uri(localhost, "/redirect-to-ip"), NetworkAddressRules.RefusedMessage, settings);
    }

    [Fact]
    public async Task A_missing_image_is_not_found_and_a_server_error_is_transient()
    {
        await AssertFails(ImageErrorKind.NotFound, "/missing.jpg", "404");
        var transient = await AssertFails(ImageErrorKind.FetchFailed, "/unavailable.jpg", "503");
        Assert.True(transient.IsTransient);
    }

    [Fact]
    public async Task An_image_over_the_size_cap_is_refused_whether_or_not_its_length_is_announced()
    {
        await AssertFails(ImageErrorKind.TooLarge, "/big.jpg", "MaxRemoteBytes");
        await AssertFails(ImageErrorKind.TooLarge, "/big-unannounced.jpg", "MaxRemoteBytes");
    }

    [Fact]
    public async Task A_server_that_does_not_answer_in_time_is_a_transient_failure()
    {
        var error = await AssertFails(ImageErrorKind.FetchFailed, new Uri(_base, "/slow.jpg"), "took longer",
            new Dictionary<string, string?> { ["ImageLoader:RemoteTimeout"] = "00:00:00.5" });
        Assert.True(error.IsTransient);
    }

    [Fact]
    public async Task A_closed_port_is_a_transient_failure()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        await AssertFails(ImageErrorKind.FetchFailed, new Uri($"http://127.0.0.1:{port}/photo.jpg"), "could not be fetched");
    }

    [Fact]
    public async Task Loopback_link_local_and_private_addresses_are_refused_unless_allowed()
    {
        var refused = new Dictionary<string, string?> { ["ImageLoader:AllowPrivateNetworks"] = "false" };

        await AssertFails(ImageErrorKind.UrlNotAllowed, new Uri(_base, "/photo.jpg"), NetworkAddressRules.RefusedMessage, refused);
        await AssertFails(ImageErrorKind.UrlNotAllowed, new Uri("http://169.254.169.254/latest/meta-data"), NetworkAddressRules.RefusedMessage, refused);
        await AssertFails(ImageErrorKind.UrlNotAllowed, new Uri("http://10.1.2.3/x.jpg"), NetworkAddressRules.RefusedMessage, refused);
        await AssertFails(ImageErrorKind.UrlNotAllowed, new Uri("http://[::1]/x.jpg"), NetworkAddressRules.RefusedMessage, refused);
        await AssertFails(ImageErrorKind.UrlNotAllowed, new Uri("http://[::ffff:192.168.1.1]/x.jpg"), NetworkAddressRules.RefusedMessage, refused);
    }

    [Theory]
    [InlineData("64:ff9b::a9fe:a9fe", true)]          // NAT64 of 169.254.169.254
    [InlineData("64:ff9b::808:808", true)]            // NAT64 of 8.8.8.8: the gateway would connect for us, past these checks
    [InlineData("64:ff9b:1::808:808", true)]          // NAT64 local-use prefix
    [InlineData("::7f00:1", true)]                    // IPv4-compatible 127.0.0.1
    [InlineData("::808:808", true)]                   // IPv4-compatible, deprecated: refused whatever it holds
    [InlineData("2002:a9fe:a9fe::1", true)]           // 6to4 of 169.254.169.254
    [InlineData("2001:0:4136:e378:8000:63bf:3fff:fdd2", true)] // Teredo
    [InlineData("::ffff:0:a00:1", true)]              // IPv4-translated 10.0.0.1
    [InlineData("168.63.129.16", true)]               // Azure's platform address
    [InlineData("100::1", true)]                      // discard prefix
    [InlineData("2001:db8::1", true)]                 // documentation
    [InlineData("93.184.215.14", false)]
    [InlineData("2606:4700::6810:85e5", false)]
    public void Addresses_that_embed_or_reach_an_internal_address_are_internal(string address, bool isInternal) =>
        Assert.Equal(isInternal, NetworkAddressRules.IsInternal(System.Net.IPAddress.Parse(address)));

    [Theory]
    [InlineData("http://[64:ff9b::a9fe:a9fe]/latest/meta-data")]
    [InlineData("http://[2002:a9fe:a9fe::1]/x.jpg")]
    [InlineData("http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/x.jpg")]
    [InlineData("http://[::7f00:1]/x.jpg")]
    [InlineData("http://168.63.129.16/machine?comp=goalstate")]
    [InlineData("ftp://example.com/x.jpg")]
    public async Task Every_refused_address_gets_the_same_words(string url)
    {
        var refused = new Dictionary<string, string?> { ["ImageLoader:AllowPrivateNetworks"] = "false" };

        var error = await Assert.ThrowsAsync<ImageLoadException>(() => Fetch(new Uri(url), refused));

        Assert.Equal(ImageErrorKind.UrlNotAllowed, error.Kind);
        Assert.Equal(NetworkAddressRules.RefusedMessage, error.Message);
    }

    [Fact]
    public async Task The_service_defaults_add_no_retries_the_fetcher_asks_once()
    {
        // The service defaults put a standard resilience handler (which retries a 503) on every factory client.
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        builder.AddServiceDefaults();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ImageLoader:ImageRoot"] = Path.GetTempPath(),
            ["ImageLoader:RemoteImagesEnabled"] = "true",
            ["ImageLoader:AllowPrivateNetworks"] = "true"
        });
        builder.AddImageEmbedding();
        using var host = builder.Build();
        var before = Volatile.Read(ref _unavailableHits);

        await Assert.ThrowsAsync<ImageLoadException>(() =>
            host.Services.GetRequiredService<RemoteImageFetcher>().FetchAsync(new Uri(_base, "/unavailable.jpg"), TestContext.Current.CancellationToken));

        Assert.Equal(1, Volatile.Read(ref _unavailableHits) - before);
    }

    [Theory]
    [InlineData("ftp://example.com/x.jpg")]
    [InlineData("file:///etc/passwd")]
    public async Task Schemes_other_than_http_are_refused(string url)
    {
        await AssertFails(ImageErrorKind.UrlNotAllowed, new Uri(url), NetworkAddressRules.RefusedMessage);
    }

    [Fact]
    public async Task Remote_images_are_refused_when_disabled()
    {
        await AssertFails(ImageErrorKind.UrlNotAllowed, new Uri(_base, "/photo.jpg"), "disabled",
            new Dictionary<string, string?> { ["ImageLoader:RemoteImagesEnabled"] = "false" });
    }

    private Task<byte[]> Fetch(string path) => Fetch(new Uri(_base, path));

    private static async Task<byte[]> Fetch(Uri address, IDictionary<string, string?>? settings = null)
    {
        await using var services = CreateServices(settings);
        return await services.GetRequiredService<RemoteImageFetcher>().FetchAsync(address, TestContext.Current.CancellationToken);
    }

    private Task<ImageLoadException> AssertFails(ImageErrorKind kind, string path, string reason) =>
        AssertFails(kind, new Uri(_base, path), reason);

    private static async Task<ImageLoadException> AssertFails(ImageErrorKind kind, Uri address, string reason, IDictionary<string, string?>? settings = null)
    {
        var error = await Assert.ThrowsAsync<ImageLoadException>(() => Fetch(address, settings));
        Assert.Equal(kind, error.Kind);
        Assert.Contains(reason, error.Message);
        return error;
    }

    private static ServiceProvider CreateServices(IDictionary<string, string?>? settings)
    {
        var all = new Dictionary<string, string?>
        {
            ["ImageLoader:RemoteImagesEnabled"] = "true",
            ["ImageLoader:AllowPrivateNetworks"] = "true",
            ["ImageLoader:MaxRemoteBytes"] = MaxRemoteBytes.ToString(),
            ["ImageLoader:MaxRedirects"] = "3"
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        return EmbedderFixture.CreateServices(Path.GetTempPath(), all);
    }

    private static byte[] MakeJpeg()
    {
        using var scene = TestImages.Scene(200, 150);
        return TestImages.Encode(scene, SKEncodedImageFormat.Jpeg);
    }

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();
}
