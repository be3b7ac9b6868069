using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Tether.Redis;

namespace Tether;

/// <summary>Makes the container's Tether server a node of a Redis cluster.</summary>
public static class TetherRedisServerBuilderExtensions
{
    /// <summary>
    /// Adds a <see cref="TetherRedisBackplane"/> singleton for the server of <c>AddTetherServer</c>, started after the
    /// server and stopped before it, configured from <see cref="TetherRedisOptions"/> (validated at start); with
    /// <paramref name="keepSessions"/>, the server's sessions are kept in the same Redis (<c>UseRedisSessions</c>), so
    /// they resume on another node.
    /// </summary>
    /// <param name="builder">The server's builder.</param>
    /// <param name="configure">Where Redis is and this node's name.</param>
    /// <param name="keepSessions">Whether sessions are kept in Redis too (the default).</param>
    public static TetherServerBuilder AddRedis(this TetherServerBuilder builder, Action<TetherRedisOptions> configure, bool keepSessions = true)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        IServiceCollection services = builder.Services;
        services.AddOptions<TetherRedisOptions>()
            .Configure(configure)
            .Validate(static o => Validator.TryValidateObject(o, new ValidationContext(o), null, validateAllProperties: true), "TetherRedisOptions has a value out of its range.")
            .ValidateOnStart();
        if (keepSessions)
        {
            services.AddOptions<TetherServerOptions>().PostConfigure<IServiceProvider>(static (server, provider) =>
                server.UseRedisSessions(provider.GetRequiredService<IOptions<TetherRedisOptions>>().Value, provider.GetService<ILoggerFactory>()));
        }

        services.TryAddSingleton(static provider => new TetherRedisBackplane(
            provider.GetRequiredService<TetherServer>(),
            provider.GetRequiredService<IOptions<TetherRedisOptions>>().Value,
            provider.GetService<ILoggerFactory>()));
        services.AddHostedService<TetherRedisBackplaneHostedService>(); // after the server's: started after it, stopped before it
        return builder;
    }
}

/// <summary>Starts the backplane with the host (after the server) and leaves the cluster when the host stops.</summary>
internal sealed class TetherRedisBackplaneHostedService(TetherRedisBackplane backplane) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => backplane.StartAsync(cancellationToken);

    public async Task StopAsync(CancellationToken cancellationToken) => await backplane.DisposeAsync().ConfigureAwait(false);
}
