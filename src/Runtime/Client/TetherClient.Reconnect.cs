using Tether.Connections;
using Tether.Transport;

namespace Tether;

/// <summary>Reconnecting after a lost link (SPEC R4.4) and resuming or, when the server refuses, restarting the session.</summary>
public sealed partial class TetherClient
{
    private Task _reconnectLoop = Task.CompletedTask;
    private int _reconnecting;

    /// <summary>Raised before each reconnect attempt waits its backoff (and before each retry of a first connect).</summary>
    public event Action<ReconnectAttempt>? Reconnecting;

    /// <summary>Raised when a reconnect attempt succeeded: <see cref="ReconnectAttempt.Resumed"/> says whether the session resumed or a new one started.</summary>
    public event Action<ReconnectAttempt>? Reconnected;

    /// <summary>
    /// Raised when the session could not resume and a new one replaced it, with the typed reason (for example
    /// <see cref="TetherErrorCode.ResumeRejected"/>, <see cref="TetherErrorCode.ReplayBufferOverflow"/>,
    /// <see cref="TetherErrorCode.SessionExpired"/>). Calls pending on the old session failed with that reason; nothing
    /// was lost silently.
    /// </summary>
    public event Action<TetherException>? SessionRestarted;

    /// <summary>
    /// Raised when a session ends without resuming (refused, expired, overflowed, closed) while one-way messages it
    /// accepted were never acknowledged by the server: each says whether it never left this process
    /// (<see cref="TetherErrorCode.NeverSent"/>, safe to send again) or may have arrived
    /// (<see cref="TetherErrorCode.NotDelivered"/>), and carries its encoded body. Raised before
    /// <see cref="SessionRestarted"/>. Calls pending on that session fail the same way.
    /// </summary>
    public event Action<IReadOnlyList<UndeliveredMessage>>? Undelivered;

    private void OnUndelivered(TetherConnection connection, IReadOnlyList<UndeliveredMessage> messages) => Raise(Undelivered, messages);

    private void OnLinkLost(TetherConnection connection, Exception reason, bool resuming)
    {
        if (_disposing.IsCancellationRequested || !ReferenceEquals(connection, CurrentConnection))
        {
            return;
        }

        if (!_options.Reconnect.Enabled)
        {
            if (resuming)
            {
                _ = connection.CloseAsync(reason);
            }

            return;
        }

        if (Interlocked.CompareExchange(ref _reconnecting, 1, 0) != 0)
        {
            return; // the running loop sees the session back in Resuming and tries again
        }

        _reconnectLoop = ReconnectLoopAsync(connection);
    }

    private async Task ReconnectLoopAsync(TetherConnection connection)
    {
        await Task.Yield();
        try
        {
            await ReconnectAsync(connection).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_disposing.IsCancellationRequested)
        {
        }
        finally
        {
            Volatile.Write(ref _reconnecting, 0);
        }

        // A link lost while the loop was finishing found it busy: look again.
        if (!_disposing.IsCancellationRequested && CurrentConnection is { State: SessionState.Resuming } current)
        {
            OnLinkLost(current, new TetherException(TetherErrorCode.ConnectionClosed, "The link was lost."), resuming: true);
        }
    }

    private async Task ReconnectAsync(TetherConnection connection)
    {
        ReconnectOptions reconnect = _options.Reconnect;
        CancellationToken stop = _disposing.Token;
        Exception? lastError = null;
        for (int attempt = 1; ; attempt++)
        {
            if (reconnect.MaxAttempts > 0 && attempt > reconnect.MaxAttempts)
            {
                var gaveUp = new TetherException(TetherErrorCode.ConnectFailed,
                    $"Reconnecting failed {reconnect.MaxAttempts} times: {lastError?.Message}", lastError);
                await connection.CloseAsync(gaveUp).ConfigureAwait(false);
                return;
            }

            TimeSpan delay = reconnect.DelayBefore(attempt);
            ConnectionLog.Reconnecting(_logger, attempt, delay);
            Raise(Reconnecting, new ReconnectAttempt(attempt, delay, lastError, Resumed: false));
            await Task.Delay(delay, _options.TimeProvider, stop).ConfigureAwait(false);

            bool resume = connection.State == SessionState.Resuming
                && _options.TimeProvider.GetElapsedTime(connection.ResumingSince) < connection.ResumeWindow;
            if (!resume && connection.State != SessionState.Closed)
            {
                await connection.CloseAsync(new TetherException(TetherErrorCode.SessionExpired,
                    $"The link stayed down longer than the {connection.ResumeWindow.TotalSeconds:0.#} s resume window.")).ConfigureAwait(false);
            }

            foreach (TransportRoute route in RoutesFor(connection.Contract?.Transport))
            {
                try
                {
                    TransportConnection transport = await OpenAsync(route, stop).ConfigureAwait(false);
                    if (resume)
                    {
                        try
                        {
                            await connection.ResumeOnAsync(transport, stop).ConfigureAwait(false);
                            Raise(Reconnected, new ReconnectAttempt(attempt, delay, null, Resumed: true));
                            return;
                        }
                        catch (TetherException) when (connection.State == SessionState.Closed)
                        {
                            // Refused (token, overflow, contract): the session is over; start a clean one at once.
                            resume = false;
                            transport = await OpenAsync(route, stop).ConfigureAwait(false);
                        }
                    }

                    await StartSessionAsync(transport, stop).ConfigureAwait(false);
                    var reason = connection.CloseReason as TetherException
                        ?? new TetherException(TetherErrorCode.ConnectionClosed, connection.CloseReason?.Message ?? "The session closed.");
                    ConnectionLog.SessionRestarting(_logger, reason.Code);
                    _settings!.Metrics.SessionsRestarted.Add(1, Observability.MetricTags.Client, Observability.MetricTags.ForCode(reason.Code).Error);
                    CurrentConnection?.Hooks?.Reconnected(this, resumed: false);
                    Raise(SessionRestarted, reason);
                    Raise(Reconnected, new ReconnectAttempt(attempt, delay, null, Resumed: false));
                    return;
                }
                catch (Exception e) when (e is TetherException or IOException or System.Net.Sockets.SocketException && !stop.IsCancellationRequested)
                {
                    lastError = e;
                    ConnectionLog.ReconnectFailed(_logger, attempt, e.Message);
                    if (connection.State == SessionState.Negotiating)
                    {
                        // The attempt's link is still ending; the session returns to Resuming before the next try.
                        await connection.WaitForLinkEndAsync().ConfigureAwait(false);
                    }
                }
            }
        }
    }

    /// <summary>Routes to try: the transport the server selected first, then the primary route, then the alternates.</summary>
    private IEnumerable<TransportRoute> RoutesFor(string? selected)
    {
        List<TransportRoute> routes = [_primary!, .. _options.AlternateRoutes];
        return routes.OrderBy(r => string.Equals(r.Name, selected, StringComparison.Ordinal) ? 0 : 1);
    }

    private void Raise<T>(Action<T>? handlers, T argument)
    {
        try
        {
            handlers?.Invoke(argument);
        }
        catch (Exception e)
        {
            ConnectionLog.SessionEventFailedForConnection(_logger, CurrentConnection?.Id ?? 0, e);
        }
    }
}
