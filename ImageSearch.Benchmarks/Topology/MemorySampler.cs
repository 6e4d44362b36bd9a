namespace ImageSearch.Benchmarks.Topology;

/// <summary>
/// Samples the resident memory of processes every few hundred milliseconds and keeps each one's highest, and its lowest
/// since the last <see cref="TakeLows"/>: a leak raises the floor between the peaks of requests in flight.
/// </summary>
public sealed class MemorySampler : IAsyncDisposable
{
    private readonly IReadOnlyList<ChildProcess> _processes;
    private readonly double[] _peaks;
    private readonly double[] _lows;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public MemorySampler(IReadOnlyList<ChildProcess> processes, TimeSpan? interval = null)
    {
        _processes = processes;
        _peaks = new double[processes.Count];
        _lows = Enumerable.Repeat(double.MaxValue, processes.Count).ToArray();
        _loop = SampleAsync(interval ?? TimeSpan.FromMilliseconds(200));
    }

    /// <summary>The highest resident memory seen of each process, in MB, in the order given.</summary>
    public IReadOnlyList<double> Peaks
    {
        get
        {
            Sample();
            return _peaks;
        }
    }

    public double PeakOf(ChildProcess process) => Peaks[_processes.ToList().IndexOf(process)];

    /// <summary>The lowest resident memory of each process, in MB, since the last call (or the start).</summary>
    public IReadOnlyList<double> TakeLows()
    {
        Sample();
        lock (_peaks)
        {
            var lows = _lows.ToArray();
            Array.Fill(_lows, double.MaxValue);
            return lows;
        }
    }

    private async Task SampleAsync(TimeSpan interval)
    {
        using var timer = new PeriodicTimer(interval);
        try
        {
            do
            {
                Sample();
            }
            while (await timer.WaitForNextTickAsync(_stop.Token));
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void Sample()
    {
        lock (_peaks)
        {
            for (var i = 0; i < _processes.Count; i++)
            {
                var resident = ProcessUsage.Read(_processes[i].Pid).ResidentMb;
                _peaks[i] = Math.Max(_peaks[i], resident);
                _lows[i] = Math.Min(_lows[i], resident);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }
}
