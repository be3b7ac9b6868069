using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Tether;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers handlers for the server added by <see cref="TetherServiceCollectionExtensions.AddTetherServer"/>.</summary>
public sealed class TetherServerBuilder
{
    internal TetherServerBuilder(IServiceCollection services) => Services = services;

    /// <summary>The service collection.</summary>
    public IServiceCollection Services { get; }

    /// <summary>Runs <typeparamref name="THandler"/>, resolved once from the container (registered as a singleton if it is not registered yet), for every session.</summary>
    public TetherServerBuilder AddHandler<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] THandler>()
        where THandler : class, IMessageHandler<THandler>
    {
        Services.TryAddSingleton<THandler>();
        Services.AddSingleton(new ServerHandlerRegistration(static (server, provider) =>
            server.AddHandler(provider.GetRequiredService<THandler>())));
        return this;
    }

    /// <summary>Creates a <typeparamref name="THandler"/> per session with <paramref name="factory"/>.</summary>
    public TetherServerBuilder AddHandler<THandler>(Func<IServiceProvider, TetherSession, THandler> factory)
        where THandler : class, IMessageHandler<THandler>
    {
        ArgumentNullException.ThrowIfNull(factory);
        Services.AddSingleton(new ServerHandlerRegistration((server, provider) =>
            server.AddHandler<THandler>(session => factory(provider, session))));
        return this;
    }

    /// <summary>Adds <typeparamref name="TFilter"/>, resolved once from the container (registered as a singleton if it is not registered yet), around every call; filters run in the order added, the first outermost.</summary>
    public TetherServerBuilder AddFilter<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TFilter>()
        where TFilter : class, ICallFilter
    {
        Services.TryAddSingleton<TFilter>();
        Services.AddSingleton(new ServerHandlerRegistration(static (server, provider) =>
            server.AddFilter(provider.GetRequiredService<TFilter>())));
        return this;
    }
}

/// <summary>One handler registration, applied when the container builds the server.</summary>
internal sealed class ServerHandlerRegistration(Action<TetherServer, IServiceProvider> apply)
{
    public void Apply(TetherServer server, IServiceProvider provider) => apply(server, provider);
}
