using System.Collections.Frozen;
using Tether.Dispatch;

namespace Tether.Connections;

/// <summary>Where a message id goes: which bound handler, and the kind of the method that takes it.</summary>
internal readonly record struct HandlerRoute(int BindingIndex, MethodKind Kind);

/// <summary>
/// The handlers a server or client runs. Each registration knows how to make its handler for a peer (one shared
/// instance, or one per session); routes from message id to handler are built once, and a message id claimed by
/// two handlers is refused at registration.
/// </summary>
internal sealed class HandlerRegistry
{
    private readonly List<(ServiceDescriptor Service, Func<TetherPeer, HandlerBinding> Create)> _registrations = [];
    private FrozenDictionary<int, HandlerRoute>? _routes;

    public bool IsFrozen => _routes is not null;

    public IReadOnlyList<ServiceDescriptor> Services => _registrations.ConvertAll(static r => r.Service);

    public void Add<THandler>(Func<TetherPeer, THandler> factory)
        where THandler : class, IMessageHandler<THandler>
    {
        ArgumentNullException.ThrowIfNull(factory);
        if (IsFrozen)
        {
            throw new InvalidOperationException("Handlers must be added before the server starts or the client connects.");
        }

        ServiceDescriptor service = THandler.Service;
        foreach (MethodDescriptor method in service.Methods)
        {
            foreach (var (other, _) in _registrations)
            {
                if (other.Methods.Any(m => m.RequestMessageId == method.RequestMessageId))
                {
                    throw new InvalidOperationException(
                        $"Message id {method.RequestMessageId} is handled by both '{other.Name}' and '{service.Name}'. Each message id may have one handler.");
                }
            }
        }

        _registrations.Add((service, peer => new HandlerBinding<THandler>(factory(peer) ?? throw new InvalidOperationException($"The factory for {typeof(THandler).Name} returned null."))));
    }

    /// <summary>Fixes the routes; later registrations are refused.</summary>
    public void Freeze()
    {
        if (_routes is not null)
        {
            return;
        }

        var routes = new Dictionary<int, HandlerRoute>();
        for (int i = 0; i < _registrations.Count; i++)
        {
            foreach (MethodDescriptor method in _registrations[i].Service.Methods)
            {
                routes[method.RequestMessageId] = new HandlerRoute(i, method.Kind);
            }
        }

        _routes = routes.ToFrozenDictionary();
    }

    public bool TryGetRoute(int messageId, out HandlerRoute route) => _routes!.TryGetValue(messageId, out route);

    /// <summary>Makes the handler instances for one peer.</summary>
    public HandlerBinding[] Bind(TetherPeer peer)
    {
        var bindings = new HandlerBinding[_registrations.Count];
        for (int i = 0; i < bindings.Length; i++)
        {
            bindings[i] = _registrations[i].Create(peer);
        }

        return bindings;
    }
}
