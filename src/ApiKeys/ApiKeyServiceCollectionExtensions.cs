using Microsoft.Extensions.DependencyInjection.Extensions;
using Tether.Security;
using Tether.Security.ApiKeys;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds API keys to a hosted Tether server.</summary>
public static class ApiKeyServiceCollectionExtensions
{
    /// <summary>
    /// Registers an <see cref="ApiKeyManager"/> (over an <see cref="InMemoryApiKeyStore"/>, or with
    /// <see cref="ApiKeyOptions.Storage"/> a <see cref="DurableApiKeyStore"/> above it, unless an <see cref="IApiKeyStore"/>
    /// is registered) and its <see cref="ApiKeyAuthenticator"/> as an
    /// <see cref="IAuthenticator"/>, which <c>AddTetherServer</c> puts in the server's authenticator chain. The keys of
    /// <see cref="ApiKeyStoreOptions"/> (configure or bind them) are loaded into the in-memory store, and loaded again
    /// whenever those options reload.
    /// </summary>
    public static IServiceCollection AddTetherApiKeys(this IServiceCollection services, Action<ApiKeyOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = new ApiKeyOptions();
        configure?.Invoke(options);
        services.AddOptions<ApiKeyStoreOptions>();
        services.TryAddSingleton<InMemoryApiKeyStore>();
        if (options.Storage is { } storage)
        {
            // Managed keys on disk; configured keys stay in memory beneath them (a managed change to one wins).
            services.TryAddSingleton(provider => DurableApiKeyStore.Open(storage, provider.GetService<Microsoft.Extensions.Logging.ILoggerFactory>()?.CreateLogger("Tether.ApiKeys")));
            services.TryAddSingleton<IApiKeyStore>(static provider => new LayeredApiKeyStore(provider.GetRequiredService<DurableApiKeyStore>(), provider.GetRequiredService<InMemoryApiKeyStore>()));
        }

        services.TryAddSingleton<IApiKeyStore>(static provider => provider.GetRequiredService<InMemoryApiKeyStore>());
        services.TryAddSingleton<ConfiguredApiKeys>();
        services.TryAddSingleton(provider =>
        {
            provider.GetRequiredService<ConfiguredApiKeys>().Start(); // configured keys are there before the first check
            return new ApiKeyManager(provider.GetRequiredService<IApiKeyStore>(), options, provider.GetService<TimeProvider>());
        });
        services.TryAddSingleton<ApiKeyAuthenticator>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IAuthenticator, ApiKeyAuthenticator>(static provider => provider.GetRequiredService<ApiKeyAuthenticator>()));
        return services;
    }
}

/// <summary>Keeps the keys of <see cref="ApiKeyStoreOptions"/> loaded into the in-memory store, across reloads.</summary>
internal sealed partial class ConfiguredApiKeys(
    InMemoryApiKeyStore store,
    Microsoft.Extensions.Options.IOptionsMonitor<ApiKeyStoreOptions> options,
    Microsoft.Extensions.Logging.ILoggerFactory? loggerFactory = null) : IDisposable
{
    private IDisposable? _reloads;

    /// <summary>Loads the configured keys (a malformed entry throws here, at the first use) and follows their reloads.</summary>
    public void Start()
    {
        Load(options.CurrentValue);
        _reloads ??= options.OnChange((configured, _) => Reload(configured));
    }

    // A malformed entry fails the load as a whole: half a key list is worse than the last good one, which stays.
    private void Reload(ApiKeyStoreOptions configured)
    {
        try
        {
            Load(configured);
        }
        catch (FormatException e)
        {
            ReloadRefused(loggerFactory?.CreateLogger("Tether.ApiKeys") ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, e);
        }
    }

    private void Load(ApiKeyStoreOptions configured) => store.Load([.. configured.Keys.Select(static k => k.ToRecord())]);

    [Microsoft.Extensions.Logging.LoggerMessage(612, Microsoft.Extensions.Logging.LogLevel.Error, "Reloaded API keys were refused; the previous ones stay")]
    private static partial void ReloadRefused(Microsoft.Extensions.Logging.ILogger logger, Exception exception);

    public void Dispose() => _reloads?.Dispose();
}
