using Microsoft.Extensions.DependencyInjection.Extensions;
using Tether.Security;
using Tether.Security.ApiKeys;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds API keys to a hosted Tether server.</summary>
public static class ApiKeyServiceCollectionExtensions
{
    /// <summary>
    /// Registers an <see cref="ApiKeyManager"/> (over an <see cref="InMemoryApiKeyStore"/> unless an
    /// <see cref="IApiKeyStore"/> is registered) and its <see cref="ApiKeyAuthenticator"/> as an
    /// <see cref="IAuthenticator"/>, which <c>AddTetherServer</c> puts in the server's authenticator chain.
    /// </summary>
    public static IServiceCollection AddTetherApiKeys(this IServiceCollection services, Action<ApiKeyOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = new ApiKeyOptions();
        configure?.Invoke(options);
        services.TryAddSingleton<IApiKeyStore, InMemoryApiKeyStore>();
        services.TryAddSingleton(provider => new ApiKeyManager(provider.GetRequiredService<IApiKeyStore>(), options, provider.GetService<TimeProvider>()));
        services.TryAddSingleton<ApiKeyAuthenticator>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IAuthenticator, ApiKeyAuthenticator>(static provider => provider.GetRequiredService<ApiKeyAuthenticator>()));
        return services;
    }
}
