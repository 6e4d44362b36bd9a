namespace ImageSearch.Benchmarks.Load;

/// <summary>Latencies and outcomes of one kind of request, from many concurrent callers; read and reset by interval.</summary>
public sealed class LatencyLog
{
    private readonly object _gate = new();
    private List<double> _milliseconds = [];
    private long _failures;
    private readonly Dictionary<int, long> _statuses = [];

    public void Record(double milliseconds, int status)
    {
        lock (_gate)
        {
            _statuses[status] = _statuses.GetValueOrDefault(status) + 1;
            if (status is >= 200 and < 300)
            {
                _milliseconds.Add(milliseconds);
            }
            else
            {
                _failures++;
            }
        }
    }

    /// <summary>What was recorded since the last call: successful latencies (sorted), failures, and every status seen with its count.</summary>
    public (List<double> Milliseconds, long Failures, string Statuses) Take()
    {
        lock (_gate)
        {
            var taken = _milliseconds;
            taken.Sort();
            var failures = _failures;
            var statuses = string.Join(' ', _statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}:{s.Value}"));
            _milliseconds = [];
            _failures = 0;
            _statuses.Clear();
            return (taken, failures, statuses);
        }
    }
}
