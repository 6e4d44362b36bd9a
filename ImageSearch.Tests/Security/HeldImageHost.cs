using System.Net.Http.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ImageSearch.Tests.Security;

/// <summary>An image host that answers only when the test says so: a search of its image holds an embedding slot.</summary>
internal sealed class HeldImageHost : IAsyncDisposable
{
    private readonly TaskCompletionSource _requested = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private WebApplication? _app;

    public string ImageUrl { get; private set; } = "";

    public static async Task<HeldImageHost> StartAsync(byte[] image, CancellationToken cancellationToken)
    {
        var host = new HeldImageHost();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        host._app = builder.Build();
        host._app.MapGet("/held.jpg", async () =>
        {
            host._requested.TrySetResult();
            await host._release.Task;
            return Results.Bytes(image, "image/jpeg");
        });
        await host._app.StartAsync(cancellationToken);
        host.ImageUrl = new Uri(new Uri(host._app.Urls.Single()), "/held.jpg").ToString();
        return host;
    }

    /// <summary>Starts a search of the held image and returns, with its answer still to come, once it holds its slot.</summary>
    public async Task<Task<HttpResponseMessage>> SearchAndHoldAsync(HttpClient http, CancellationToken cancellationToken)
    {
        var search = http.PostAsJsonAsync("/search", new { image_url = ImageUrl }, cancellationToken);
        await _requested.Task.WaitAsync(TimeSpan.FromSeconds(60), cancellationToken);
        return search;
    }

    public void Release() => _release.TrySetResult();

    public async ValueTask DisposeAsync()
    {
        Release();
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }
}
