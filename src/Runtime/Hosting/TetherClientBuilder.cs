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
}

/// <summary>One push-handler registration, applied when the container builds the client.</summary>
internal sealed class ClientHandlerRegistration(Action<TetherClient, IServiceProvider> apply)
{
    public void Apply(TetherClient client, IServiceProvider provider) => apply(client, provider);
}
