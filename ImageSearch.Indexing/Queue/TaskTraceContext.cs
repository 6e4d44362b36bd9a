using System.Collections.ObjectModel;
using System.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Context.Propagation;

namespace ImageSearch.Indexing.Queue;

/// <summary>
/// Carries the enqueuer's trace context through the task's hash with OpenTelemetry's configured propagator
/// (W3C trace context and baggage by default), so the worker's span continues the enqueue's trace.
/// </summary>
internal static class TaskTraceContext
{
    public static IReadOnlyDictionary<string, string> Capture(Activity? activity)
    {
        if (activity is null)
        {
            return ReadOnlyDictionary<string, string>.Empty;
        }

        var carrier = new Dictionary<string, string>();
        Propagators.DefaultTextMapPropagator.Inject(new PropagationContext(activity.Context, Baggage.Current), carrier,
            static (fields, name, value) => fields[name] = value);
        return carrier;
    }

    public static PropagationContext Restore(IReadOnlyDictionary<string, string> carrier) =>
        Propagators.DefaultTextMapPropagator.Extract(default, carrier,
            static (fields, name) => fields.TryGetValue(name, out var value) ? [value] : []);
}
