using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Tether;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers push handlers for the client added by <see cref="TetherServiceCollectionExtensions.AddTetherClient"/>.</summary>
public sealed class TetherClientBuilder
{
    internal TetherClientBuilder(IServiceCollection services) => Services = services;

    /// <summary>The service collection.</summary>
    public IServiceCollection Services { get; }

    /// <summary>Handles the server's pushes with <typeparamref name="THandler"/>, resolved from the container (registered as a singleton if it is not registered yet).</summary>
    public TetherClientBuilder AddHandler<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] THandler>()
        where THandler : class, IMessageHandler<THandler>
    {
        Services.TryAddSingleton<THandler>();
        Services.AddSingleton(new ClientHandlerRegistration(static (client, provider) =>
            client.AddHandler(provider.GetRequiredService<THandler>())));
        return this;
    }

    /// <summary>Adds <typeparamref name="TFilter"/>, resolved from the container (registered as a singleton if it is not registered yet), around the server's pushes to this client's handlers.</summary>
    public TetherClientBuilder AddFilter<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TFilter>()
        where TFilter : class, ICallFilter
    {
        Services.TryAddSingleton<TFilter>();
        Services.AddSingleton(new ClientHandlerRegistration(static (client, provider) =>
            client.AddFilter(provider.GetRequiredService<TFilter>())));
        return this;
    }

    /// <summary>Adds <typeparamref name="TInterceptor"/>, resolved from the container (registered as a singleton if it is not registered yet), around this client's calls; the first added runs outermost.</summary>
    public TetherClientBuilder AddInterceptor<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TInterceptor>()
        where TInterceptor : class, ICallInterceptor
    {
        Services.TryAddSingleton<TInterceptor>();
        Services.AddSingleton(new ClientHandlerRegistration(static (client, provider) =>
            client.AddInterceptor(provider.GetRequiredService<TInterceptor>())));
        return this;
    }
}

/// <summary>One push-handler registration, applied when the container builds the client.</summary>
internal sealed class ClientHandlerRegistration(Action<TetherClient, IServiceProvider> apply)
{
    public void Apply(TetherClient client, IServiceProvider provider) => apply(client, provider);
}
