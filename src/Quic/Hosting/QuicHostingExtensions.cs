using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Tether.Quic;
using Tether;
using Tether.Transport.Tls;
using Tether.Internal;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Runs a hosted server or client over QUIC (<see cref="QuicTransport"/>), with options validated when the host starts.</summary>
public static class QuicHostingExtensions
{
    /// <summary>The options name of the hosted server's <see cref="TetherTlsOptions"/> and <see cref="QuicTransportOptions"/>.</summary>
    public const string ServerOptionsName = "Tether.Server.Quic";

    /// <summary>The options name of the hosted client's <see cref="TetherTlsOptions"/> and <see cref="QuicTransportOptions"/>.</summary>
    public const string ClientOptionsName = "Tether.Client.Quic";

    /// <summary>
    /// Serves over QUIC: the server's transport becomes a <see cref="QuicTransport"/> with the TLS settings of
    /// <paramref name="tls"/> (a certificate is required) and the QUIC settings of <paramref name="quic"/>.
    /// </summary>
    /// <remarks>Unusable settings fail the host at start with an <see cref="OptionsValidationException"/>; so does a
    /// machine without the native QUIC stack (code 3008 in the message).</remarks>
    public static TetherServerBuilder UseQuic(this TetherServerBuilder builder, Action<TetherTlsOptions> tls, Action<QuicTransportOptions>? quic = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(tls);
        AddOptions(builder.Services, ServerOptionsName, tls, quic, server: true);
        builder.Services.AddSingleton<IPostConfigureOptions<TetherServerOptions>>(provider =>
            new PostConfigureOptions<TetherServerOptions>(Microsoft.Extensions.Options.Options.DefaultName, options => options.Transport = Create(provider, ServerOptionsName)));
        return builder;
    }

    /// <summary>Connects over QUIC; set a certificate in <paramref name="tls"/> for mTLS.</summary>
    public static TetherClientBuilder UseQuic(this TetherClientBuilder builder, Action<TetherTlsOptions> tls, Action<QuicTransportOptions>? quic = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(tls);
        AddOptions(builder.Services, ClientOptionsName, tls, quic, server: false);
        builder.Services.AddSingleton<IPostConfigureOptions<TetherClientOptions>>(provider =>
            new PostConfigureOptions<TetherClientOptions>(Microsoft.Extensions.Options.Options.DefaultName, options => options.Transport = Create(provider, ClientOptionsName)));
        return builder;
    }

    private static void AddOptions(IServiceCollection services, string name, Action<TetherTlsOptions> tls, Action<QuicTransportOptions>? quic, bool server)
    {
        services.AddOptions<TetherTlsOptions>(name).Configure(tls).ValidateOnStart();
        services.AddOptions<QuicTransportOptions>(name).Configure(quic ?? (static _ => { })).ValidateOnStart();
        services.AddSingleton<IValidateOptions<TetherTlsOptions>>(new NamedOptionsValidator<TetherTlsOptions>(name, options => options.Problems(server)));
        services.AddSingleton<IValidateOptions<QuicTransportOptions>>(new NamedOptionsValidator<QuicTransportOptions>(name, static options =>
            QuicTransport.IsSupported ? options.Problems() : options.Problems().Append(Tether.Quic.Interop.NativeQuic.Problem!)));
    }

    private static QuicTransport Create(IServiceProvider provider, string name) =>
        new(provider.GetRequiredService<IOptionsMonitor<TetherTlsOptions>>().Get(name),
            provider.GetRequiredService<IOptionsMonitor<QuicTransportOptions>>().Get(name),
            provider.GetService<ILogger<QuicTransport>>());
}
