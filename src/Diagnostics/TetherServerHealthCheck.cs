using Microsoft.Extensions.Diagnostics.HealthChecks;
using Tether.Sessions;

namespace Tether.Diagnostics;

/// <summary>
/// A Tether server's health: healthy while it listens (and its session store, when it has one, answers), degraded while
/// it drains, unhealthy before it started, once stopped, or when the session store fails. The data lists the status,
/// the sessions (active and resuming) and the endpoints.
/// </summary>
/// <param name="server">The server.</param>
/// <param name="store">The session store the server uses (<see cref="TetherServerOptions.SessionStore"/>), or null.</param>
public sealed class TetherServerHealthCheck(TetherServer server, ISessionStore? store = null) : IHealthCheck
{
    /// <inheritdoc />
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["status"] = server.Status.ToString(),
            ["sessions"] = server.SessionCount,
            ["resuming"] = server.ResumingCount,
            ["endpoints"] = string.Join(", ", server.LocalEndPoints),
            ["session_store"] = store is null ? "in-memory" : store.GetType().Name,
        };
        HealthStatus failed = context?.Registration?.FailureStatus ?? HealthStatus.Unhealthy;
        switch (server.Status)
        {
            case TetherServerStatus.Created:
                return new HealthCheckResult(failed, "The server has not started.", data: data);
            case TetherServerStatus.Stopped:
                return new HealthCheckResult(failed, "The server has stopped.", data: data);
            case TetherServerStatus.Draining:
                return HealthCheckResult.Degraded("The server is draining: it takes no new connections.", data: data);
        }

        if (store is not null)
        {
            try
            {
                // A lookup of a session that cannot exist: it reaches the store and finds nothing.
                await store.FindAsync(Guid.Empty, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                return new HealthCheckResult(failed, "The session store cannot be reached: sessions cannot resume.", e, data);
            }
        }

        return HealthCheckResult.Healthy("Listening.", data);
    }
}
