using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace ImageSearch.Api.Model;

public sealed record QueueServices(
    [FromServices] TaskQueue Queue,
    [FromServices] WorkerRegistry Registry,
    [FromServices] IOptions<ImageLoaderOptions> ImageLoader,
    [FromServices] IConnectionMultiplexer Redis);
