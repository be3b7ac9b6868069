using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Tether.Diagnostics;

/// <summary>
/// A Tether client's health: healthy while its session is active, degraded while it connects, negotiates or resumes
/// (calls wait, nothing is lost yet), unhealthy once closed or before it started. The data lists the state, the
/// transport, the round-trip time and the calls waiting.
/// </summary>
/// <param name="client">The client.</param>
public sealed class TetherClientHealthCheck(TetherClient client) : IHealthCheck
{
    /// <inheritdoc />
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["state"] = client.State.ToString(),
            ["transport"] = client.TransportName ?? "none",
            ["pending_calls"] = client.PendingCalls,
        };
        if (client.RoundTripTime is { } rtt)
        {
            data["round_trip_ms"] = rtt.TotalMilliseconds;
        }

        HealthStatus failed = context?.Registration?.FailureStatus ?? HealthStatus.Unhealthy;
        HealthCheckResult result = client.State switch
        {
            SessionState.Active => HealthCheckResult.Healthy("Connected.", data),
            SessionState.Resuming => HealthCheckResult.Degraded("The link was lost; the session is resuming.", data: data),
            SessionState.Connecting or SessionState.Negotiating => HealthCheckResult.Degraded("Connecting.", data: data),
            _ => new HealthCheckResult(failed, client.CloseReason is { } reason ? $"Down: {reason.Message}" : "Down.", data: data),
        };
        return Task.FromResult(result);
    }
}
