namespace ImageSearch.Worker.Services;

/// <summary>Runs this process's queue consumer for the life of the host.</summary>
public sealed class QueueWorkerService(QueueConsumer consumer) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => consumer.RunAsync(stoppingToken);
}
