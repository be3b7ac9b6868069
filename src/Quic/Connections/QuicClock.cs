using System.Diagnostics;

namespace Tether.Quic.Connections;

/// <summary>ngtcp2's clock: monotonic nanoseconds.</summary>
internal static class QuicClock
{
    private static readonly double s_nanosecondsPerTick = 1e9 / Stopwatch.Frequency;

    /// <summary>Now, in nanoseconds of the monotonic clock.</summary>
    public static ulong Now => Stopwatch.Frequency == 1_000_000_000
        ? (ulong)Stopwatch.GetTimestamp()
        : (ulong)(Stopwatch.GetTimestamp() * s_nanosecondsPerTick);

    /// <summary>A duration in ngtcp2 units.</summary>
    public static ulong ToDuration(TimeSpan span) => (ulong)span.Ticks * 100UL;
}
