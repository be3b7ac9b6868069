using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Tether;
using Tether.Transport.Tls;
using Tether.Internal;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Runs a hosted server or client over TLS (<see cref="TlsTransport"/>), with options validated when the host starts.</summary>
public static class TlsHostingExtensions
{
    /// <summary>The options name of the hosted server's <see cref="TetherTlsOptions"/>.</summary>
    public const string ServerOptionsName = "Tether.Server";

    /// <summary>The options name of the hosted client's <see cref="TetherTlsOptions"/>.</summary>
    public const string ClientOptionsName = "Tether.Client";

    /// <summary>
    /// Serves over TLS: the server's transport becomes a <see cref="TlsTransport"/> configured by
    /// <paramref name="configure"/> (named options <see cref="ServerOptionsName"/>), logging to the container's loggers.
    /// </summary>
    /// <remarks>A missing certificate or other unusable setting fails the host at start with an <see cref="OptionsValidationException"/>.</remarks>
    public static TetherServerBuilder UseTls(this TetherServerBuilder builder, Action<TetherTlsOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        AddTlsOptions(builder.Services, ServerOptionsName, configure, server: true);
        builder.Services.AddSingleton<IPostConfigureOptions<TetherServerOptions>>(provider =>
            new PostConfigureOptions<TetherServerOptions>(Microsoft.Extensions.Options.Options.DefaultName, options => options.Transport = Create(provider, ServerOptionsName)));
        return builder;
    }

    /// <summary>
    /// Connects over TLS: the client's transport becomes a <see cref="TlsTransport"/> configured by
    /// <paramref name="configure"/> (named options <see cref="ClientOptionsName"/>); set a certificate there for mTLS.
    /// </summary>
    public static TetherClientBuilder UseTls(this TetherClientBuilder builder, Action<TetherTlsOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        AddTlsOptions(builder.Services, ClientOptionsName, configure, server: false);
        builder.Services.AddSingleton<IPostConfigureOptions<TetherClientOptions>>(provider =>
            new PostConfigureOptions<TetherClientOptions>(Microsoft.Extensions.Options.Options.DefaultName, options => options.Transport = Create(provider, ClientOptionsName)));
        return builder;
    }

    private static void AddTlsOptions(IServiceCollection services, string name, Action<TetherTlsOptions> configure, bool server)
    {
        services.AddOptions<TetherTlsOptions>(name).Configure(configure).ValidateOnStart();
        services.AddSingleton<IValidateOptions<TetherTlsOptions>>(new NamedOptionsValidator<TetherTlsOptions>(name, options => options.Problems(server)));
    }

    private static TlsTransport Create(IServiceProvider provider, string name) =>
        new(provider.GetRequiredService<IOptionsMonitor<TetherTlsOptions>>().Get(name), logger: provider.GetService<ILogger<TlsTransport>>());
}
