using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Tether;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds Tether's server and client to a service collection, run by the host.</summary>
public static class TetherServiceCollectionExtensions
{
    /// <summary>
    /// Adds a <see cref="TetherServer"/> singleton configured from <see cref="TetherServerOptions"/> (validated at
    /// start), and a hosted service that starts it with the host and drains it when the host stops.
    /// </summary>
    public static TetherServerBuilder AddTetherServer(this IServiceCollection services, Action<TetherServerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        OptionsBuilder<TetherServerOptions> options = services.AddOptions<TetherServerOptions>();
        options.PostConfigure<IServiceProvider>(static (o, provider) => o.MeterFactory ??= provider.GetService<IMeterFactory>());
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TetherServerOptions>, TetherServerOptionsValidator>());
        services.TryAddSingleton(static provider =>
        {
            var server = new TetherServer(provider.GetRequiredService<IOptions<TetherServerOptions>>().Value, provider.GetService<ILoggerFactory>());
            foreach (ServerHandlerRegistration registration in provider.GetServices<ServerHandlerRegistration>())
            {
                registration.Apply(server, provider);
            }

            return server;
        });
        services.AddHostedService<TetherServerHostedService>();
        return new TetherServerBuilder(services);
    }

    /// <summary>
    /// Adds a <see cref="TetherClient"/> singleton configured from <see cref="TetherClientOptions"/>, and a hosted
    /// service that connects it to <see cref="TetherClientOptions.EndPoint"/> (when set) as the host starts and
    /// closes it as the host stops.
    /// </summary>
    public static TetherClientBuilder AddTetherClient(this IServiceCollection services, Action<TetherClientOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        OptionsBuilder<TetherClientOptions> options = services.AddOptions<TetherClientOptions>();
        options.PostConfigure<IServiceProvider>(static (o, provider) => o.MeterFactory ??= provider.GetService<IMeterFactory>());
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TetherClientOptions>, TetherClientOptionsValidator>());
        services.TryAddSingleton(static provider =>
        {
            var client = new TetherClient(provider.GetRequiredService<IOptions<TetherClientOptions>>().Value, provider.GetService<ILoggerFactory>());
            foreach (ClientHandlerRegistration registration in provider.GetServices<ClientHandlerRegistration>())
            {
                registration.Apply(client, provider);
            }

            return client;
        });
        services.AddHostedService<TetherClientHostedService>();
        return new TetherClientBuilder(services);
    }
}

internal sealed class TetherServerHostedService(TetherServer server) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => server.StartAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => server.StopAsync(cancellationToken);
}

internal sealed class TetherClientHostedService(TetherClient client, IOptions<TetherClientOptions> options) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) =>
        options.Value.EndPoint is null ? Task.CompletedTask : client.StartAsync(cancellationToken);

    public async Task StopAsync(CancellationToken cancellationToken) => await client.DisposeAsync().ConfigureAwait(false);
}
