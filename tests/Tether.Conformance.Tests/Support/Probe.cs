using System.Collections.Concurrent;
using System.Threading.Channels;

namespace Tether.Conformance.Tests.Support;

/// <summary>What a test can observe of its handlers, and the gates it holds them at. One per test.</summary>
public sealed class Probe
{
    public Channel<Notice> Notices { get; } = Channel.CreateUnbounded<Notice>();

    /// <summary>Completed with the call id of each slow call whose token was cancelled.</summary>
    public Channel<int> Cancellations { get; } = Channel.CreateUnbounded<int>();

    /// <summary>Signalled when a slow or blocking handler has started.</summary>
    public Channel<int> Started { get; } = Channel.CreateUnbounded<int>();

    /// <summary>Blocking handlers wait for this.</summary>
    public TaskCompletionSource Gate { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ConcurrentQueue<string> Log { get; } = new();

    /// <summary>The client a relaying handler calls on to a second server through.</summary>
    public TetherClient? Downstream { get; set; }
}
