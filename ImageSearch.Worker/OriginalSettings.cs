using System.Globalization;
using Microsoft.Extensions.Options;

namespace ImageSearch.Worker;

/// <summary>
/// The environment variables of the worker this replaces, which keep working: WORKER_POLL_INTERVAL
/// and TASK_TIMEOUT (seconds), WORKER_BATCH_SIZE, LOG_LEVEL (DEBUG, INFO, WARNING, ERROR, CRITICAL).
/// They win over the <c>Worker</c> section. A value that does not parse stops the process with its name.
/// </summary>
internal static class OriginalSettings
{
    public static void Apply(ConsumerOptions options, IConfiguration configuration)
    {
        if (configuration["WORKER_POLL_INTERVAL"] is { } poll)
        {
            options.PollInterval = TimeSpan.FromSeconds(Number("WORKER_POLL_INTERVAL", poll));
        }

        if (configuration["WORKER_BATCH_SIZE"] is { } batch)
        {
            options.BatchSize = int.TryParse(batch, NumberStyles.None, CultureInfo.InvariantCulture, out var size)
                ? size
                : throw Invalid("WORKER_BATCH_SIZE", batch, "a whole number");
        }

        if (configuration["TASK_TIMEOUT"] is { } timeout)
        {
            options.TaskTimeout = TimeSpan.FromSeconds(Number("TASK_TIMEOUT", timeout));
        }
    }

    public static LogLevel? LogLevel(IConfiguration configuration) => configuration["LOG_LEVEL"]?.ToUpperInvariant() switch
    {
        null or "" => null,
        "TRACE" => Microsoft.Extensions.Logging.LogLevel.Trace,
        "DEBUG" => Microsoft.Extensions.Logging.LogLevel.Debug,
        "INFO" or "INFORMATION" => Microsoft.Extensions.Logging.LogLevel.Information,
        "WARN" or "WARNING" => Microsoft.Extensions.Logging.LogLevel.Warning,
        "ERROR" => Microsoft.Extensions.Logging.LogLevel.Error,
        "CRITICAL" or "FATAL" => Microsoft.Extensions.Logging.LogLevel.Critical,
        var other => throw Invalid("LOG_LEVEL", other, "one of DEBUG, INFO, WARNING, ERROR, CRITICAL")
    };

    private static double Number(string name, string value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && double.IsFinite(seconds) && seconds >= 0
            ? seconds
            : throw Invalid(name, value, "a number of seconds");

    private static OptionsValidationException Invalid(string name, string value, string expected) =>
        new(name, typeof(ConsumerOptions), [$"{name} must be {expected}, got '{value}'."]);
}
