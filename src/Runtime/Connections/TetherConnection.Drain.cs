using Tether.Framing;

namespace Tether.Connections;

internal sealed partial class TetherConnection
{
    /// <summary>
    /// Stops taking new calls (each is refused with <see cref="TetherErrorCode.GoingAway"/>), tells the peer with a
    /// goaway frame, and completes once the calls already running have finished.
    /// </summary>
    public Task DrainAsync()
    {
        Task drained = Incoming.DrainAsync();
        Machine.TryMoveFrom(SessionState.Active, SessionState.Draining, "the server is shutting down");

        TryWriteError(FrameType.GoAway, TetherErrorCode.GoingAway, "The server is shutting down and takes no new calls.");
        return drained;
    }
}
