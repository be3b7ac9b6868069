using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Tether.Diagnostics;

/// <summary>Registers the Tether server's and client's health checks (the server and client come from <c>AddTetherServer</c>/<c>AddTetherClient</c>).</summary>
public static class TetherHealthCheckBuilderExtensions
{
    /// <summary>Checks the container's <see cref="TetherServer"/> (and its session store, when it has one).</summary>
    /// <param name="builder">The health checks.</param>
    /// <param name="name">The check's name.</param>
    /// <param name="failureStatus">What a failed check reports; unhealthy by default.</param>
    /// <param name="tags">Tags to filter checks by (for example <c>"ready"</c>).</param>
    public static IHealthChecksBuilder AddTetherServerCheck(this IHealthChecksBuilder builder, string name = "tether-server", HealthStatus? failureStatus = null, IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Add(new HealthCheckRegistration(name,
            static provider => new TetherServerHealthCheck(provider.GetRequiredService<TetherServer>(), provider.GetService<IOptions<TetherServerOptions>>()?.Value.SessionStore),
            failureStatus, tags));
    }

    /// <summary>Checks the container's <see cref="TetherClient"/>.</summary>
    /// <param name="builder">The health checks.</param>
    /// <param name="name">The check's name.</param>
    /// <param name="failureStatus">What a failed check reports; unhealthy by default.</param>
    /// <param name="tags">Tags to filter checks by.</param>
    public static IHealthChecksBuilder AddTetherClientCheck(this IHealthChecksBuilder builder, string name = "tether-client", HealthStatus? failureStatus = null, IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Add(new HealthCheckRegistration(name,
            static provider => new TetherClientHealthCheck(provider.GetRequiredService<TetherClient>()), failureStatus, tags));
    }
}
