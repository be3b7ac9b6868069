using Tether.Connections;

namespace Tether.Calls;

/// <summary>
/// Cancels a pending call with a request stream the moment its token fires or its caller disposes it (a writer may be
/// waiting for credit, and the handler's token should fire at once), and lets go of the linked token source.
/// </summary>
internal sealed class PendingCallCancellation : IDisposable
{
    private readonly TetherConnection _connection;
    private readonly PendingCall _call;
    private readonly CancellationTokenSource? _linked;
    private readonly CancellationTokenRegistration _registration;

    public PendingCallCancellation(TetherConnection connection, PendingCall call, CancellationTokenSource? linked, CancellationToken token)
    {
        _connection = connection;
        _call = call;
        _linked = linked;
        _registration = token.UnsafeRegister(static state => ((PendingCallCancellation)state!).Cancel(), this);
    }

    /// <summary>Cancels the call unless it is over (the connection ignores a call it no longer holds).</summary>
    public void Cancel() => _connection.CancelPendingCall(_call, timedOut: false);

    public void Dispose()
    {
        _registration.Dispose();
        _linked?.Dispose();
    }
}
