using System.IO.Pipelines;
using Tether.Internal;

namespace Tether.Quic.Connections;

/// <summary>
/// The scheduler of a connection's stream readers (every stream's input pipe reports to it) and of the acceptance of
/// the streams its peer opens. What a received batch of packets wakes runs in one turn after the batch, not in a
/// pool work item per stream: the readers of all the calls that arrived together, their handlers, and then one send
/// pass that carries every reply they flushed together with the acknowledgements.
/// </summary>
/// <remarks>
/// Turns run on the thread pool, at most one per connection at a time, so a handler that holds its thread holds up its
/// own connection's later turns (as it holds up a TCP link's receive loop) and never the endpoint's receive loop,
/// which serves every connection of a server. (A client's turn run inline on its receive loop was measured slower:
/// the loop then waits for the callers it wakes.) Work scheduled from anywhere but the receive loop's batch (a timer,
/// a closing connection, a cancelled read) starts a turn at once.
/// </remarks>
internal sealed class QuicConnectionTurn(QuicConnection connection) : PipeScheduler, IThreadPoolWorkItem
{
    [ThreadStatic]
    private static QuicConnectionTurn? t_running;

    [ThreadStatic]
    private static QuicConnection? t_receiving;

    private SerialWork _work = new();

    /// <summary>Whether the calling thread is running this turn (a flush made here leaves in the turn's send pass).</summary>
    public bool IsRunningHere => t_running == this;

    /// <summary>Marks the calling thread as the receive loop feeding <paramref name="receiving"/> a packet (null when done).</summary>
    /// <remarks>Work scheduled meanwhile waits for <see cref="EndReceiveBatch"/>, which the same thread calls after the batch.</remarks>
    public static void SetReceiving(QuicConnection? receiving) => t_receiving = receiving;

    /// <inheritdoc />
    public override void Schedule(Action<object?> action, object? state)
    {
        _work.Enqueue(action, state);
        if (t_receiving != connection)
        {
            Start();
        }
    }

    /// <summary>The receive loop finished a batch for this connection.</summary>
    /// <returns>False when the batch woke nothing (the caller then sends what the packets call for itself).</returns>
    public bool EndReceiveBatch()
    {
        if (_work.IsEmpty)
        {
            return false;
        }

        Start();
        return true; // a turn is queued (or running, and looks again before it ends) and sends at its end
    }

    private void Start()
    {
        if (_work.TryClaim())
        {
            System.Threading.ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }
    }

    void IThreadPoolWorkItem.Execute()
    {
        t_running = this;
        try
        {
            _work.RunAll();
        }
        finally
        {
            t_running = null;
        }

        connection.Flush(); // the replies flushed in this turn and the acknowledgements leave in one pass
    }
}
