using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Tether.Redis;

/// <summary>
/// A node's view of the cluster: healthy while Redis answers; degraded while it does not (the node serves its own
/// clients, but publishes wait, other nodes' messages do not arrive, and its sessions cannot resume elsewhere until
/// Redis is back). The data lists the node, the live nodes and when Redis last answered a heartbeat.
/// </summary>
/// <param name="backplane">The node's backplane.</param>
public sealed class TetherRedisHealthCheck(TetherRedisBackplane backplane) : IHealthCheck
{
    /// <inheritdoc />
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(backplane);
        var data = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["node"] = backplane.NodeId,
            ["nodes"] = backplane.Nodes.Count,
            ["last_heartbeat"] = backplane.LastHeartbeat?.ToString("O") ?? "never",
        };
        return Task.FromResult(backplane.IsRedisConnected
            ? HealthCheckResult.Healthy("Redis answers.", data)
            : HealthCheckResult.Degraded("Redis is unreachable: publishes wait, other nodes' messages do not arrive, and sessions cannot resume on another node until it is back.", data: data));
    }
}

/// <summary>Registers the Redis cluster's health check (the backplane comes from <c>AddRedis</c>).</summary>
public static class TetherRedisHealthCheckBuilderExtensions
{
    /// <summary>Checks the container's <see cref="TetherRedisBackplane"/>.</summary>
    /// <param name="builder">The health checks.</param>
    /// <param name="name">The check's name.</param>
    /// <param name="tags">Tags to filter checks by.</param>
    public static IHealthChecksBuilder AddTetherRedisCheck(this IHealthChecksBuilder builder, string name = "tether-redis", IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Add(new HealthCheckRegistration(name, static provider => new TetherRedisHealthCheck(provider.GetRequiredService<TetherRedisBackplane>()), HealthStatus.Degraded, tags));
    }
}
