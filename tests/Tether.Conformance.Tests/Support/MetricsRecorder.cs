using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Tether.Conformance.Tests.Support;

/// <summary>A meter factory of a test's own, so its listener hears only the servers and clients the test gave it.</summary>
public sealed class TestMeterFactory : IMeterFactory
{
    private readonly ConcurrentBag<Meter> _meters = [];

    public Meter Create(MeterOptions options)
    {
        options.Scope = this;
        var meter = new Meter(options);
        _meters.Add(meter);
        return meter;
    }

    public void Dispose()
    {
        foreach (Meter meter in _meters)
        {
            meter.Dispose();
        }
    }
}

/// <summary>One measurement: instrument, value and tags.</summary>
public sealed record RecordedMeasurement(string Instrument, double Value, IReadOnlyDictionary<string, object?> Tags)
{
    public string? Tag(string key) => Tags.TryGetValue(key, out object? value) ? value?.ToString() : null;
}

/// <summary>Listens to the <c>Tether</c> meter of one <see cref="TestMeterFactory"/> and keeps every measurement.</summary>
public sealed class MetricsRecorder : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<RecordedMeasurement> _measurements = new();
    private TaskCompletionSource _recorded = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public MetricsRecorder(TestMeterFactory factory)
    {
        Factory = factory;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Scope == factory && instrument.Meter.Name == "Tether")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<double>((i, v, t, _) => Add(i, v, t));
        _listener.SetMeasurementEventCallback<long>((i, v, t, _) => Add(i, v, t));
        _listener.Start();
    }

    public TestMeterFactory Factory { get; }

    public IReadOnlyCollection<RecordedMeasurement> Measurements => _measurements;

    /// <summary>Reads the observable instruments now.</summary>
    public void Observe() => _listener.RecordObservableInstruments();

    public IEnumerable<RecordedMeasurement> Of(string instrument) => _measurements.Where(m => m.Instrument == instrument);

    /// <summary>Waits (woken by each measurement) until one of <paramref name="instrument"/> matches.</summary>
    public async Task<RecordedMeasurement> WaitForAsync(string instrument, Func<RecordedMeasurement, bool> match)
    {
        using var timeout = new CancellationTokenSource(Harness.Patience);
        while (true)
        {
            Task recorded = Volatile.Read(ref _recorded).Task; // taken before looking, so a measurement in between wakes us
            if (Of(instrument).FirstOrDefault(match) is { } found)
            {
                return found;
            }

            await recorded.WaitAsync(timeout.Token);
        }
    }

    private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var copy = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (KeyValuePair<string, object?> tag in tags)
        {
            copy[tag.Key] = tag.Value;
        }

        _measurements.Enqueue(new RecordedMeasurement(instrument.Name, value, copy));
        Interlocked.Exchange(ref _recorded, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }

    public void Dispose()
    {
        _listener.Dispose();
        Factory.Dispose();
    }
}
