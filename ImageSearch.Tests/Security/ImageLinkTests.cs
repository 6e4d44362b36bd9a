using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ImageSearch.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace ImageSearch.Tests.Security;

/// <summary>Reads need the key; time is a fake clock, so a link's expiry can be reached.</summary>
public sealed class ImageLinksApiFixture : ApiFixture
{
    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

    protected override IReadOnlyDictionary<string, string?> Settings { get; } = new Dictionary<string, string?>
    {
        ["ApiKey:RequireForReads"] = "true",
        ["ApiKey:ImageLinkLifetime"] = "00:15:00",
        ["RateLimiting:ImagesPerMinute"] = "5",
        ["RateLimiting:SearchPerMinute"] = "1000"
    };

    protected override void ConfigureServices(IServiceCollection services) => services.AddSingleton<TimeProvider>(Clock);
}

// GET /images honours ApiKey:RequireForReads: the key, or the signed, expiring link a keyed search hands out.
public class ImageLinkTests(ImageLinksApiFixture fixture) : IClassFixture<ImageLinksApiFixture>
{
    [Fact]
    public async Task An_image_needs_the_key_or_a_signed_link_that_has_not_expired()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var http = fixture.CreateClient(peer: "198.51.100.20");
        using var anonymous = fixture.CreateAnonymousClient(peer: "198.51.100.21");
        var image = $"/images/{ApiFixture.SeedImagePath}";

        await Problems.AssertProblemAsync(await anonymous.GetAsync(image, cancellationToken), "image without key", HttpStatusCode.Unauthorized);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(image, cancellationToken)).StatusCode);

        var search = await http.PostAsJsonAsync("/search", new { image_path = ApiFixture.SeedImagePath }, cancellationToken);
        search.EnsureSuccessStatusCode();
        var link = (await search.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("results")[0].GetProperty("image_link").GetString()!;
        Assert.StartsWith($"images/{ApiFixture.SeedImagePath}?expires=", link);

        // What an <img> does: no header, only the link.
        var shown = await anonymous.GetAsync("/" + link, cancellationToken);
        Assert.Equal(HttpStatusCode.OK, shown.StatusCode);
        Assert.Equal(fixture.SeedImage, await shown.Content.ReadAsByteArrayAsync(cancellationToken));

        // The signature covers the path and the expiry: neither can be changed.
        await Problems.AssertProblemAsync(await anonymous.GetAsync("/" + link.Replace("seed.jpg", "escaping-link.jpg"), cancellationToken),
            "link for another path", HttpStatusCode.Unauthorized);
        var later = System.Text.RegularExpressions.Regex.Replace(link, "expires=([0-9]+)", match => $"expires={long.Parse(match.Groups[1].Value) + 3600}");
        await Problems.AssertProblemAsync(await anonymous.GetAsync("/" + later, cancellationToken), "link with a later expiry", HttpStatusCode.Unauthorized);

        fixture.Clock.Advance(TimeSpan.FromMinutes(16));
        await Problems.AssertProblemAsync(await anonymous.GetAsync("/" + link, cancellationToken), "expired link", HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Images_are_rate_limited()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var http = fixture.CreateClient(peer: "198.51.100.22");
        HttpStatusCode status;
        var sent = 0;
        do
        {
            status = (await http.GetAsync($"/images/{ApiFixture.SeedImagePath}", cancellationToken)).StatusCode;
        }
        while (status == HttpStatusCode.OK && ++sent < 20);

        Assert.Equal(HttpStatusCode.TooManyRequests, status);
    }
}
