namespace ImageSearch.Worker.Extensions;

internal static class Extensions
{
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddRedisClient("redis");

        var workerId = WorkerIdentity.Resolve(builder.Configuration);
        builder.Services.AddOptions<WorkerOptions>()
            .BindConfiguration(WorkerOptions.SectionName)
            .PostConfigure(options => options.WorkerId = workerId)
            .ValidateDataAnnotations()
            .Validate(options => options.HeartbeatTimeToLive > options.HeartbeatInterval,
                "Worker:HeartbeatTimeToLive must be longer than Worker:HeartbeatInterval.")
            .ValidateOnStart();

        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<WorkerRegistry>();
        builder.Services.AddSingleton<WorkerCounters>();
        builder.Services.AddHostedService<HeartbeatService>();
    }
}
