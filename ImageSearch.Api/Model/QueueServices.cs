using Microsoft.AspNetCore.Mvc;

namespace ImageSearch.Api.Model;

public sealed record QueueServices([FromServices] TaskQueue Queue, [FromServices] WorkerRegistry Registry);
