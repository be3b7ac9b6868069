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
    /// <remarks>
    /// Security comes from the container too: every registered <see cref="Tether.Security.IAuthenticator"/> joins
    /// <see cref="Tether.Security.TetherSecurityOptions.Authenticators"/> (after those configured), and the
    /// <see cref="Microsoft.AspNetCore.Authorization.IAuthorizationService"/> and policy provider of
    /// <c>AddAuthorizationCore</c>, when registered, evaluate <c>[Authorize]</c>. When the options reload
    /// (<see cref="IOptionsMonitor{TOptions}"/>), the running server takes the new lists, limits and authenticators.
    /// </remarks>
    public static TetherServerBuilder AddTetherServer(this IServiceCollection services, Action<TetherServerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        OptionsBuilder<TetherServerOptions> options = services.AddOptions<TetherServerOptions>();
        options.PostConfigure<IServiceProvider>(static (o, provider) =>
        {
            o.MeterFactory ??= provider.GetService<IMeterFactory>();
            Tether.Security.TetherSecurityOptions security = o.Security;
            security.AuthorizationService ??= provider.GetService<Microsoft.AspNetCore.Authorization.IAuthorizationService>();
            security.AuthorizationPolicyProvider ??= provider.GetService<Microsoft.AspNetCore.Authorization.IAuthorizationPolicyProvider>();
            foreach (Tether.Security.IAuthenticator authenticator in provider.GetServices<Tether.Security.IAuthenticator>())
            {
                if (!security.Authenticators.Contains(authenticator))
                {
                    security.Authenticators.Add(authenticator);
                }
            }
        });
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TetherServerOptions>, TetherServerOptionsValidator>());
        services.TryAddSingleton(static provider =>
        {
            var server = new TetherServer(provider.GetRequiredService<IOptionsMonitor<TetherServerOptions>>().CurrentValue, provider.GetService<ILoggerFactory>())
            {
                FilterServices = provider,
            };
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
            var client = new TetherClient(provider.GetRequiredService<IOptions<TetherClientOptions>>().Value, provider.GetService<ILoggerFactory>())
            {
                FilterServices = provider,
            };
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

internal sealed partial class TetherServerHostedService(TetherServer server, IOptionsMonitor<TetherServerOptions> options, ILoggerFactory? loggerFactory = null) : IHostedService
{
    private IDisposable? _reloads;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await server.StartAsync(cancellationToken).ConfigureAwait(false);
        _reloads = options.OnChange(OnOptionsChanged);
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _reloads?.Dispose();
        return server.StopAsync(cancellationToken);
    }

    // Only the security settings apply live; the rest (endpoints, limits of the transport) need a restart.
    private void OnOptionsChanged(TetherServerOptions changed, string? name)
    {
        if (name is not null && name != Microsoft.Extensions.Options.Options.DefaultName)
        {
            return;
        }

        try
        {
            server.UpdateSecurity(changed.Security);
        }
        catch (InvalidOperationException e)
        {
            ReloadRefused(loggerFactory?.CreateLogger("Tether.Server") ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, e);
        }
    }

    [LoggerMessage(611, LogLevel.Error, "Reloaded security settings were refused; the previous ones stay")]
    private static partial void ReloadRefused(ILogger logger, Exception exception);
}

internal sealed class TetherClientHostedService(TetherClient client, IOptions<TetherClientOptions> options) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) =>
        options.Value.EndPoint is null ? Task.CompletedTask : client.StartAsync(cancellationToken);

    // The host's stop deadline bounds the close's wait for the server's acknowledgement too.
    public async Task StopAsync(CancellationToken cancellationToken) => await client.DisposeAsync(cancellationToken).ConfigureAwait(false);
}
