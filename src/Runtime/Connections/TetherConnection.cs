using System.Net;
using Microsoft.Extensions.Logging;
using Tether.Framing;
using Tether.Serialization;
using Tether.Transport;

namespace Tether.Connections;

/// <summary>
/// The protocol engine of one link, the same on both sides: it reads frames and dispatches incoming calls to the
/// generated handler tables, tracks the calls this side started, and writes frames through <see cref="FrameOutput"/>.
/// The server and client differ only in who says hello first and in their <see cref="ConnectionSettings"/>.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "The stop source has no timer; other threads may still call RequestStop after the connection closed.")]
internal sealed partial class TetherConnection
{
    private static long s_nextId;

    private readonly TransportConnection _transport;
    private readonly ConnectionSettings _settings;
    private readonly PendingCallTable _pending;
    private readonly TaskCompletionSource _handshake = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly long _handshakeDeadline;
    private HandlerBinding[] _bindings = [];
    private long _partialFrameSince = -1;
    private readonly CancellationTokenSource _stop = new();
    private int _stopRequested;
    private Exception? _closeReason;

    public TetherConnection(TransportConnection transport, ConnectionSettings settings)
    {
        _transport = transport;
        _settings = settings;
        _pending = new PendingCallTable(settings.MaxPendingCalls);
        // Until the peer's hello says otherwise, assume it accepts what we accept.
        Output = new FrameOutput(transport, settings.MaxFrameSize, settings.SendQueueLimit);
        CompletionScheduler = (transport as PipeTransportConnection)?.Scheduler ?? Internal.IOQueue.Next();
        Id = Interlocked.Increment(ref s_nextId);
        ConnectedAt = settings.TimeProvider.GetUtcNow();
        _handshakeDeadline = settings.TimeProvider.GetTimestamp() + ToTimestampTicks(settings.HandshakeTimeout);
    }

    public long Id { get; }

    public DateTimeOffset ConnectedAt { get; }

    public FrameOutput Output { get; }

    public TetherPeer? Peer { get; private set; }

    public DecodeOptions DecodeOptions => _settings.DecodeOptions;

    public string TransportName => _transport.TransportName;

    public EndPoint? RemoteEndPoint => _transport.RemoteEndPoint;

    public EndPoint? LocalEndPoint => _transport.LocalEndPoint;

    /// <summary>Where completed calls are published (the transport's queue when it has one).</summary>
    public System.IO.Pipelines.PipeScheduler CompletionScheduler { get; }

    public long BytesSent => _transport.BytesSent;

    public long BytesReceived => _transport.BytesReceived;

    public SessionState State { get; private set; } = SessionState.Connecting;

    public TimeSpan? RoundTripTime { get; private set; }

    /// <summary>Completes when the connection has closed, with no exception.</summary>
    public Task Closed => _closed.Task;

    /// <summary>Why the connection closed, if it was not a normal close.</summary>
    public Exception? CloseReason => _closeReason;

    /// <summary>Completes when the hello exchange succeeded; faults with the typed refusal otherwise.</summary>
    public Task Handshake => _handshake.Task;

    public int PendingCalls => _pending.Count;

    public ConnectionCounters Counters { get; } = new();

    private ILogger Logger => _settings.Logger;

    /// <summary>Binds handler instances for <paramref name="peer"/> and starts the receive loop.</summary>
    public void Start(TetherPeer peer)
    {
        Peer = peer;
        _bindings = _settings.Handlers.Bind(peer);
        State = SessionState.Negotiating;
        if (!_settings.IsServer)
        {
            WriteHello();
        }

        _ = RunAsync();
    }

    private void WriteHello()
    {
        Span<byte> hello = stackalloc byte[HelloPayload.Size];
        new HelloPayload(_settings.MaxFrameSize).Write(hello);
        Output.WriteControl(FrameType.Hello, 0, ProtocolConstants.Version, hello);
    }

    private async Task RunAsync()
    {
        try
        {
            await ReceiveLoopAsync().ConfigureAwait(false);
        }
        catch (Exception e)
        {
            _closeReason ??= e;
        }
        finally
        {
            await FinishAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Called by the owner's timer: enforces the handshake and frame timeouts and expires pending calls.
    /// </summary>
    public void OnTick(long now, List<PendingCall> scratch)
    {
        if (State == SessionState.Closed)
        {
            return;
        }

        if (!_handshake.Task.IsCompleted && now >= _handshakeDeadline)
        {
            ProtocolError(TetherErrorCode.FrameTimeout, "The hello did not arrive within the handshake timeout.");
            return;
        }

        long partial = Volatile.Read(ref _partialFrameSince);
        if (partial >= 0 && now - partial >= ToTimestampTicks(_settings.FrameTimeout))
        {
            ProtocolError(TetherErrorCode.FrameTimeout, $"A frame did not arrive completely within {_settings.FrameTimeout.TotalSeconds:0.#} s.");
            return;
        }

        if (_pending.Count > 0)
        {
            scratch.Clear();
            _pending.RemoveExpired(now, scratch);
            foreach (PendingCall call in scratch)
            {
                TrySendCancel(call.CallId);
                call.Fail(new TetherException(TetherErrorCode.CallTimedOut));
            }

            scratch.Clear();
        }
    }

    /// <summary>The peer broke the protocol: tell it why (goaway) and close this connection only.</summary>
    private void ProtocolError(TetherErrorCode code, string detail)
    {
        ConnectionLog.ProtocolViolation(Logger, Id, code, detail);
        var error = new TetherException(code, detail);
        _closeReason ??= error;
        _handshake.TrySetException(error);
        try
        {
            Output.WriteError(FrameType.GoAway, 0, code, detail);
        }
        catch (TetherException)
        {
            // Already closed.
        }

        RequestStop(error);
    }

    /// <summary>Asks the receive loop to stop; it closes the connection on its way out. Safe from any thread.</summary>
    private void RequestStop(Exception? reason)
    {
        _closeReason ??= reason;
        Output.Close();
        if (Interlocked.Exchange(ref _stopRequested, 1) == 0)
        {
            _stop.Cancel();
            _transport.Input.CancelPendingRead();
        }
    }

    private bool StopRequested => Volatile.Read(ref _stopRequested) != 0;

    /// <summary>Closes the link (bytes already queued, such as a goaway, still leave) and waits until it is closed.</summary>
    public Task CloseAsync(Exception? reason = null)
    {
        RequestStop(reason);
        return _closed.Task;
    }

    /// <summary>Runs once, after the receive loop: fails pending calls, cancels running handlers, releases the transport.</summary>
    private async Task FinishAsync()
    {
        State = SessionState.Closed;
        Output.Close();
        var closedError = new TetherException(TetherErrorCode.ConnectionClosed,
            _closeReason is null ? "The connection closed." : $"The connection closed: {_closeReason.Message}", _closeReason);
        _handshake.TrySetException(closedError);
        CancelActiveCalls();

        var removed = new List<PendingCall>();
        _pending.RemoveAll(removed);
        foreach (PendingCall call in removed)
        {
            call.Fail(closedError);
        }

        try
        {
            await _transport.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception e)
        {
            ConnectionLog.TransportCloseFailed(Logger, Id, e);
        }

        ConnectionLog.ConnectionClosed(Logger, Id, _closeReason?.Message ?? "normal close");
        WakeInFlightWaiters();
        _closed.TrySetResult();
    }

    private long ToTimestampTicks(TimeSpan span) =>
        span == Timeout.InfiniteTimeSpan || span >= TimeSpan.FromDays(365)
            ? long.MaxValue / 4
            : (long)(span.TotalSeconds * _settings.TimeProvider.TimestampFrequency);
}
