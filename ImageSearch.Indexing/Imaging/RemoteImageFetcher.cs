using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace ImageSearch.Indexing.Imaging;

/// <summary>
/// Fetches images by http(s) URL within the limits of <see cref="ImageLoaderOptions"/>: scheme, host allow-list,
/// internal addresses, size, time and redirects. Each redirect hop is checked like the first URL.
/// </summary>
/// <remarks>
/// It owns its HttpClient rather than take one from IHttpClientFactory: the service defaults put a standard resilience
/// handler (which resends attacker-chosen URLs and shares one circuit breaker across every host) and service discovery
/// on every factory client. Its handler ignores HTTP(S)_PROXY, as a proxy would resolve and connect for it and so undo
/// the address checks. Errors name no address and carry no exception text; the detail goes to the log.
/// </remarks>
public sealed class RemoteImageFetcher : IDisposable
{
    /// <summary>Kept for registrations that still name a client; this fetcher does not use IHttpClientFactory.</summary>
    public const string HttpClientName = "ImageSearch.RemoteImages";

    private readonly ImageLoaderOptions _options;
    private readonly ILogger _logger;
    private readonly HttpClient _client;

    public RemoteImageFetcher(IOptions<ImageLoaderOptions> options, ILogger<RemoteImageFetcher>? logger = null)
    {
        _options = options.Value;
        _logger = logger ?? NullLogger<RemoteImageFetcher>.Instance;
        _client = new HttpClient(new SocketsHttpHandler
        {
            UseProxy = false,
            // Redirects are followed here, each hop checked like the first URL.
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            ConnectCallback = ConnectAsync,
            ConnectTimeout = _options.RemoteTimeout,
            PooledConnectionLifetime = TimeSpan.FromMinutes(2)
        })
        {
            Timeout = Timeout.InfiniteTimeSpan
        };
    }

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
            var client = _client;
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
                        throw new ImageLoadException(ImageErrorKind.UrlNotAllowed, $"The image URL redirects more than {_options.MaxRedirects} times.");
                    }

                    current = location.IsAbsoluteUri ? location : new Uri(current, location);
                    continue;
                }

                ThrowIfFailed(response);
                return await ReadBodyAsync(response, timeout.Token);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ImageLoadException(ImageErrorKind.FetchFailed, $"Fetching the image URL took longer than {_options.RemoteTimeout.TotalSeconds:0.#} s.");
        }
        catch (HttpRequestException ex) when (ex.InnerException is ImageLoadException refused)
        {
            throw refused;
        }
        catch (Exception ex) when (ex is not ImageLoadException and not OperationCanceledException)
        {
            // Connection refused, DNS failure, reset: all may pass on a later attempt.
            _logger.LogInformation(ex, "Fetching {Host} failed", address.Host);
            throw new ImageLoadException(ImageErrorKind.FetchFailed, "The image URL could not be fetched: the connection failed.", ex);
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
            throw Refused(address, "scheme");
        }

        if (_options.AllowedHosts.Count > 0 && !_options.AllowedHosts.Any(allowed => HostMatches(address.IdnHost, allowed)))
        {
            throw Refused(address, "host not in ImageLoader:AllowedHosts");
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
                _logger.LogInformation(ex, "Resolving {Host} failed", host);
                throw new ImageLoadException(ImageErrorKind.FetchFailed, "The image URL could not be fetched: its host was not found.", ex);
            }
        }

        if (_options.AllowPrivateNetworks)
        {
            return addresses;
        }

        // Refuse the host when any of its addresses is internal, rather than pick the public ones.
        if (addresses.Length == 0 || addresses.Any(NetworkAddressRules.IsInternal))
        {
            _logger.LogInformation("Refused to fetch from {Host}: it resolves to an internal address ({Addresses})", host, string.Join(", ", addresses.Select(a => a.ToString())));
            throw new ImageLoadException(ImageErrorKind.UrlNotAllowed, NetworkAddressRules.RefusedMessage);
        }

        return addresses;
    }

    private ImageLoadException Refused(Uri address, string rule)
    {
        _logger.LogInformation("Refused to fetch from {Host}: {Rule}", address.IsAbsoluteUri ? address.Host : "(relative)", rule);
        return new ImageLoadException(ImageErrorKind.UrlNotAllowed, NetworkAddressRules.RefusedMessage);
    }

    private static bool HostMatches(string host, string allowed) =>
        allowed.StartsWith("*.", StringComparison.Ordinal)
            ? host.EndsWith(allowed[1..], StringComparison.OrdinalIgnoreCase)
            : string.Equals(host, allowed, StringComparison.OrdinalIgnoreCase);

    private static bool IsRedirect(HttpStatusCode status) => status is HttpStatusCode.MovedPermanently or HttpStatusCode.Found
        or HttpStatusCode.SeeOther or HttpStatusCode.TemporaryRedirect or HttpStatusCode.PermanentRedirect;

    private static void ThrowIfFailed(HttpResponseMessage response)
    {
        var status = (int)response.StatusCode;
        if (status is >= 200 and < 300)
        {
            return;
        }

        var reason = $"The image URL answered {status}.";
        throw status is 408 or 429 or >= 500
            ? new ImageLoadException(ImageErrorKind.FetchFailed, reason)
            : new ImageLoadException(ImageErrorKind.NotFound, reason);
    }

    private async Task<byte[]> ReadBodyAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var limit = _options.MaxRemoteBytes;
        if (response.Content.Headers.ContentLength > limit)
        {
            throw new ImageLoadException(ImageErrorKind.TooLarge,
                $"The image URL sends {response.Content.Headers.ContentLength} bytes, more than ImageLoader:MaxRemoteBytes ({limit}).");
        }

        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                throw new ImageLoadException(ImageErrorKind.TooLarge, $"The image URL sent more than ImageLoader:MaxRemoteBytes ({limit}) bytes.");
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    public void Dispose() => _client.Dispose();
}
