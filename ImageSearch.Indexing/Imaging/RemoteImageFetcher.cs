using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace ImageSearch.Indexing.Imaging;

/// <summary>
/// Fetches images by http(s) URL within the limits of <see cref="ImageLoaderOptions"/>: scheme, host allow-list,
/// internal addresses, size, time and redirects. Each redirect hop is checked like the first URL.
/// </summary>
public sealed class RemoteImageFetcher(IHttpClientFactory httpClientFactory, IOptions<ImageLoaderOptions> options)
{
    /// <summary>The named HttpClient, so the service defaults (resilience, telemetry) apply to it.</summary>
    public const string HttpClientName = "ImageSearch.RemoteImages";

    private readonly ImageLoaderOptions _options = options.Value;

    public async Task<byte[]> FetchAsync(Uri address, CancellationToken cancellationToken)
    {
        if (!_options.RemoteImagesEnabled)
        {
            throw new ImageLoadException(ImageErrorKind.UrlNotAllowed, "Remote images are disabled (ImageLoader:RemoteImagesEnabled).");
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.RemoteTimeout);
        try
        {
            var client = httpClientFactory.CreateClient(HttpClientName);
            var current = address;
            for (var redirects = 0; ; redirects++)
            {
                await CheckAllowedAsync(current, timeout.Token);
                using var request = new HttpRequestMessage(HttpMethod.Get, current);
                using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
                if (IsRedirect(response.StatusCode) && response.Headers.Location is { } location)
                {
                    if (redirects >= _options.MaxRedirects)
                    {
                        throw new ImageLoadException(ImageErrorKind.UrlNotAllowed, $"'{address}' redirects more than {_options.MaxRedirects} times.");
                    }

                    current = location.IsAbsoluteUri ? location : new Uri(current, location);
                    continue;
                }

                ThrowIfFailed(response, current);
                return await ReadBodyAsync(response, current, timeout.Token);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ImageLoadException(ImageErrorKind.FetchFailed, $"Fetching '{address}' took longer than {_options.RemoteTimeout.TotalSeconds:0.#} s.");
        }
        catch (HttpRequestException ex) when (ex.InnerException is ImageLoadException refused)
        {
            throw refused;
        }
        catch (Exception ex) when (ex is not ImageLoadException and not OperationCanceledException)
        {
            // Connection refused, DNS failure, reset, a resilience timeout: all may pass on a later attempt.
            throw new ImageLoadException(ImageErrorKind.FetchFailed, $"Fetching '{address}' failed: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// The connect step of the HttpClient's handler: connects only to allowed addresses, so a host whose DNS answer
    /// changes between the check and the connection (DNS rebinding) still cannot reach the internal network.
    /// </summary>
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var addresses = await ResolveAllowedAsync(context.DnsEndPoint.Host, cancellationToken);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(addresses, context.DnsEndPoint.Port, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private async Task CheckAllowedAsync(Uri address, CancellationToken cancellationToken)
    {
        if (!address.IsAbsoluteUri || (address.Scheme != Uri.UriSchemeHttp && address.Scheme != Uri.UriSchemeHttps))
        {
            throw new ImageLoadException(ImageErrorKind.UrlNotAllowed, $"Only http and https URLs are fetched, not '{address}'.");
        }

        if (_options.AllowedHosts.Count > 0 && !_options.AllowedHosts.Any(allowed => HostMatches(address.IdnHost, allowed)))
        {
            throw new ImageLoadException(ImageErrorKind.UrlNotAllowed, $"The host '{address.Host}' is not in ImageLoader:AllowedHosts.");
        }

        await ResolveAllowedAsync(address.IdnHost, cancellationToken);
    }

    private async Task<IPAddress[]> ResolveAllowedAsync(string host, CancellationToken cancellationToken)
    {
        IPAddress[] addresses;
        if (IPAddress.TryParse(host.Trim('[', ']'), out var literal))
        {
            addresses = [literal];
        }
        else
        {
            try
            {
                addresses = await Dns.GetHostAddressesAsync(host, cancellationToken);
            }
            catch (SocketException ex)
            {
                throw new ImageLoadException(ImageErrorKind.FetchFailed, $"The host '{host}' could not be resolved: {ex.Message}", ex);
            }
        }

        if (_options.AllowPrivateNetworks)
        {
            return addresses;
        }

        // Refuse the host when any of its addresses is internal, rather than pick the public ones.
        if (addresses.Length == 0 || addresses.Any(NetworkAddressRules.IsInternal))
        {
            throw new ImageLoadException(ImageErrorKind.UrlNotAllowed,
                $"The host '{host}' is a loopback, link-local or private address; set ImageLoader:AllowPrivateNetworks to allow it.");
        }

        return addresses;
    }

    private static bool HostMatches(string host, string allowed) =>
        allowed.StartsWith("*.", StringComparison.Ordinal)
            ? host.EndsWith(allowed[1..], StringComparison.OrdinalIgnoreCase)
            : string.Equals(host, allowed, StringComparison.OrdinalIgnoreCase);

    private static bool IsRedirect(HttpStatusCode status) => status is HttpStatusCode.MovedPermanently or HttpStatusCode.Found
        or HttpStatusCode.SeeOther or HttpStatusCode.TemporaryRedirect or HttpStatusCode.PermanentRedirect;

    private static void ThrowIfFailed(HttpResponseMessage response, Uri address)
    {
        var status = (int)response.StatusCode;
        if (status is >= 200 and < 300)
        {
            return;
        }

        var reason = $"'{address}' answered {status} {response.ReasonPhrase}.";
        throw status is 408 or 429 or >= 500
            ? new ImageLoadException(ImageErrorKind.FetchFailed, reason)
            : new ImageLoadException(ImageErrorKind.NotFound, reason);
    }

    private async Task<byte[]> ReadBodyAsync(HttpResponseMessage response, Uri address, CancellationToken cancellationToken)
    {
        var limit = _options.MaxRemoteBytes;
        if (response.Content.Headers.ContentLength > limit)
        {
            throw new ImageLoadException(ImageErrorKind.TooLarge,
                $"'{address}' is {response.Content.Headers.ContentLength} bytes, more than ImageLoader:MaxRemoteBytes ({limit}).");
        }

        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                throw new ImageLoadException(ImageErrorKind.TooLarge, $"'{address}' sent more than ImageLoader:MaxRemoteBytes ({limit}) bytes.");
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }
}
