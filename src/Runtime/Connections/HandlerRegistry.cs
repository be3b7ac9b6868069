using System.Collections.Frozen;
using Tether.Framing;

namespace Tether.Connections;

/// <summary>
/// Where a call goes: which bound handler, the method's id and its kind, the method's ordinal among all routes (what
/// per-method tables are indexed by), and the call filters that run around it, outermost first (empty: none).
/// </summary>
internal readonly record struct HandlerRoute(int BindingIndex, int MethodId, MethodKind Kind, MethodDescriptor? Method = null, int Ordinal = 0, ICallFilter[]? Filters = null);

/// <summary>
/// The handlers a server or client runs. Each registration knows how to make its handler for a peer (one shared
/// instance, or one per session). Routes are built once: by method id (what generated clients send), and by message
/// type and kind for the untyped APIs (what <c>RequestAsync</c>, <c>SendAsync</c> and broadcasts send). A method id
/// claimed by two handlers is refused at registration; a message type several methods of one kind take routes to none
/// of them (the caller is told to call by method).
/// </summary>
internal sealed class HandlerRegistry
{
    private readonly List<(ServiceDescriptor Service, Func<TetherPeer, HandlerBinding> Create, bool BuiltIn)> _registrations = [];
    private HandlerBinding[]? _sharedBindings; // every registration shares one instance: every peer gets this array
    private FrozenDictionary<int, HandlerRoute>? _methods;
    private FrozenDictionary<long, HandlerRoute>? _messageRoutes;
    private FrozenDictionary<int, (ServiceDescriptor Service, RemovedMethod Method)>? _removed;

    public bool IsFrozen => _methods is not null;

    private readonly List<ICallFilter> _filterList = [];

    /// <summary>
    /// Where the filters methods name (<see cref="MethodDescriptor.Filters"/>) come from: the host's container, or null
    /// to make them with their parameterless constructors.
    /// </summary>
    public IServiceProvider? FilterServices { get; set; }

    /// <summary>Adds a filter around every incoming call; the first added runs outermost.</summary>
    public void AddFilter(ICallFilter filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        if (IsFrozen)
        {
            throw new InvalidOperationException("Filters must be added before the server starts or the client connects.");
        }

        _filterList.Add(filter);
    }

    public IReadOnlyList<ServiceDescriptor> Services => _registrations.ConvertAll(static r => r.Service);

    /// <summary>Every method's route, by ordinal (after <see cref="Freeze"/>).</summary>
    public IReadOnlyList<HandlerRoute> Routes { get; private set; } = [];

    /// <summary>How many methods the registered handlers have (the size of per-method tables).</summary>
    public int MethodCount => Routes.Count;

    /// <summary>
    /// Registers a handler. A built-in service's (its name starts with <c>tether.</c>: introspection, administration) is
    /// reached by method id only, so its messages never make an application's call by message type ambiguous.
    /// </summary>
    public void Add<THandler>(Func<TetherPeer, THandler> factory)
        where THandler : class, IMessageHandler<THandler>
    {
        ArgumentNullException.ThrowIfNull(factory);
        Register(THandler.Service, peer => new HandlerBinding<THandler>(factory(peer) ?? throw new InvalidOperationException($"The factory for {typeof(THandler).Name} returned null.")));
    }

    /// <summary>
    /// Registers one handler instance for every peer. Its binding is made when the first peer binds (so a handler made
    /// lazily, such as introspection's, sees every registration) and then shared: an idle session holds none of its own.
    /// </summary>
    public void AddShared<THandler>(Func<THandler> instance)
        where THandler : class, IMessageHandler<THandler>
    {
        ArgumentNullException.ThrowIfNull(instance);
        var binding = new Lazy<HandlerBinding>(() => new HandlerBinding<THandler>(instance() ?? throw new InvalidOperationException($"The handler instance for {typeof(THandler).Name} is null.")));
        Register(THandler.Service, new SharedFactory(binding).Create);
    }

    private void Register(ServiceDescriptor service, Func<TetherPeer, HandlerBinding> create)
    {
        if (IsFrozen)
        {
            throw new InvalidOperationException("Handlers must be added before the server starts or the client connects.");
        }

        foreach (MethodDescriptor method in service.Methods)
        {
            foreach (var (other, _, _) in _registrations)
            {
                if (other.Methods.FirstOrDefault(m => m.Id == method.Id) is { } clash)
                {
                    throw new InvalidOperationException(
                        $"Method id {method.Id} belongs to both '{other.Name}.{clash.Name}' and '{service.Name}.{method.Name}'. " +
                        "Method ids must be unique among the services one server or client hosts; give one of them another [Method(Id = ...)].");
                }
            }
        }

        _registrations.Add((service, create, Introspection.IntrospectionNames.IsBuiltIn(service.Name)));
    }

    /// <summary>Fixes the routes; later registrations are refused.</summary>
    public void Freeze()
    {
        if (_methods is not null)
        {
            return;
        }

        var methods = new Dictionary<int, HandlerRoute>();
        var byMessage = new Dictionary<long, HandlerRoute>();
        var routes = new List<HandlerRoute>();
        var filters = new MethodFilters(_filterList, FilterServices);
        for (int i = 0; i < _registrations.Count; i++)
        {
            foreach (MethodDescriptor method in _registrations[i].Service.Methods)
            {
                var route = new HandlerRoute(i, method.Id, method.Kind, method, routes.Count, filters.For(method));
                routes.Add(route);
                methods[method.Id] = route;
                if (_registrations[i].BuiltIn)
                {
                    continue;
                }

                long key = MessageKey(method.RequestMessageId, method.Kind);

                // A second method of the same kind for the same message makes the untyped route ambiguous (id 0).
                byMessage[key] = byMessage.ContainsKey(key) ? route with { MethodId = 0 } : route;
            }
        }

        // A removed method's id answers "removed" unless a live method (of any service here) has it.
        var removed = new Dictionary<int, (ServiceDescriptor, RemovedMethod)>();
        foreach ((ServiceDescriptor service, _, _) in _registrations)
        {
            foreach (RemovedMethod gone in service.RemovedMethods)
            {
                if (!methods.ContainsKey(gone.Id))
                {
                    removed.TryAdd(gone.Id, (service, gone));
                }
            }
        }

        Routes = routes;
        _removed = removed.ToFrozenDictionary();
        _messageRoutes = byMessage.ToFrozenDictionary();
        _methods = methods.ToFrozenDictionary();
    }

    /// <summary>
    /// Finds the method a request or one-way frame calls, or says why there is none: <see cref="TetherErrorCode.UnknownMethod"/>,
    /// <see cref="TetherErrorCode.UnknownMessage"/> or <see cref="TetherErrorCode.AmbiguousMessage"/> (see <see cref="FrameFlags.ByMessageType"/>).
    /// </summary>
    public TetherErrorCode TryGetRoute(in FrameHeader header, out HandlerRoute route)
    {
        if ((header.Flags & FrameFlags.ByMessageType) == 0)
        {
            return _methods!.TryGetValue(header.MessageId, out route) ? TetherErrorCode.None
                : _removed!.ContainsKey(header.MessageId) ? TetherErrorCode.MethodRemoved
                : TetherErrorCode.UnknownMethod;
        }

        // The kinds that fit the frame, best first: a request without the stream flag may also call a one-way method (an
        // acknowledged send: the empty reply says the handler ran), and a one-way frame a unary method (its reply is dropped).
        // An input stream's request names its items' message.
        bool stream = (header.Flags & FrameFlags.Stream) != 0;
        bool input = (header.Flags & FrameFlags.InputStream) != 0;
        bool found = header.Type == FrameType.Message
            ? TryRoute(header.MessageId, MethodKind.OneWay, out route) || TryRoute(header.MessageId, MethodKind.Unary, out route)
            : input
                ? TryRoute(header.MessageId, stream ? MethodKind.BidirectionalStreaming : MethodKind.ClientStreaming, out route)
                : stream
                    ? TryRoute(header.MessageId, MethodKind.ServerStreaming, out route)
                    : TryRoute(header.MessageId, MethodKind.Unary, out route) || TryRoute(header.MessageId, MethodKind.OneWay, out route);

        // Otherwise a method of another kind that takes the message, so the caller hears of the mismatch (2005), not of nothing.
        found = found || TryRoute(header.MessageId, MethodKind.ServerStreaming, out route) || TryRoute(header.MessageId, MethodKind.Unary, out route)
            || TryRoute(header.MessageId, MethodKind.OneWay, out route) || TryRoute(header.MessageId, MethodKind.ClientStreaming, out route)
            || TryRoute(header.MessageId, MethodKind.BidirectionalStreaming, out route);
        if (!found)
        {
            return TetherErrorCode.UnknownMessage;
        }

        return route.MethodId == 0 ? TetherErrorCode.AmbiguousMessage : TetherErrorCode.None;
    }

    private bool TryRoute(int messageId, MethodKind kind, out HandlerRoute route) => _messageRoutes!.TryGetValue(MessageKey(messageId, kind), out route);

    /// <summary>The text of the error <see cref="TryGetRoute"/> returned, for the caller.</summary>
    public string Describe(TetherErrorCode code, in FrameHeader header) => code switch
    {
        TetherErrorCode.MethodRemoved when _removed!.TryGetValue(header.MessageId, out var gone) =>
            $"{gone.Service.Name}/{gone.Method.Name} was removed from the service{(gone.Method.Reason.Length > 0 ? ": " + gone.Method.Reason : ".")}",
        TetherErrorCode.UnknownMethod => $"No handler has a method with id {header.MessageId}.",
        TetherErrorCode.AmbiguousMessage => $"Several methods take message id {header.MessageId}; call the method by its id (through a generated client).",
        _ => header.Type == FrameType.Message
            ? $"No one-way method takes message id {header.MessageId}."
            : $"No {((header.Flags & FrameFlags.Stream) != 0 ? "streaming" : "unary")} method takes message id {header.MessageId}.",
    };

    /// <summary>Makes the handler instances for one peer (one array for all peers when every handler is shared).</summary>
    public HandlerBinding[] Bind(TetherPeer peer)
    {
        if (_sharedBindings is { } shared)
        {
            return shared;
        }

        var bindings = new HandlerBinding[_registrations.Count];
        bool allShared = true;
        for (int i = 0; i < bindings.Length; i++)
        {
            Func<TetherPeer, HandlerBinding> create = _registrations[i].Create;
            bindings[i] = create(peer);
            allShared &= create.Target is SharedFactory;
        }

        if (allShared && IsFrozen)
        {
            Interlocked.CompareExchange(ref _sharedBindings, bindings, null);
        }

        return bindings;
    }

    /// <summary>A registration of one instance for every peer: its binding is made once.</summary>
    private sealed class SharedFactory(Lazy<HandlerBinding> binding)
    {
        public HandlerBinding Create(TetherPeer peer) => binding.Value;
    }

    /// <summary>
    /// Each method's filters: the ones added to the server or client (outermost), then the ones it names. One instance per
    /// named filter type, shared by every method that names it; methods that name none share the added filters' array.
    /// </summary>
    private sealed class MethodFilters(List<ICallFilter> added, IServiceProvider? services)
    {
        private readonly ICallFilter[] _added = [.. added];
        private readonly Dictionary<Type, ICallFilter> _made = [];

        public ICallFilter[] For(MethodDescriptor method)
        {
            if (method.Filters.Count == 0)
            {
                return _added;
            }

            var list = new List<ICallFilter>(_added);
            var named = new HashSet<Type>();
            foreach (CallFilterType filter in method.Filters)
            {
                if (!named.Add(filter.Type))
                {
                    continue; // named again (say on the class and the method): it runs once, at its first place
                }

                if (!_made.TryGetValue(filter.Type, out ICallFilter? instance))
                {
                    _made[filter.Type] = instance = filter.Create(services);
                }

                list.Add(instance);
            }

            return [.. list];
        }
    }

    private static long MessageKey(int messageId, MethodKind kind) => ((long)messageId << 3) | (long)kind; // five kinds: three bits
}
