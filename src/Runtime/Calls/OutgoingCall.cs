namespace Tether;

/// <summary>
/// One outgoing call as a client's interceptors see it (<see cref="ICallInterceptor"/>): the method, the request, the
/// options it goes out with, and (for a unary call) its reply once the continuation has completed.
/// </summary>
public abstract class OutgoingCall
{
    private ICallInterceptor[] _interceptors = [];
    private OutgoingCallNext? _next;
    private int _index;

    private protected OutgoingCall(TetherPeer peer, MethodDescriptor? method, MethodKind kind, CallOptions options)
    {
        Peer = peer;
        Method = method;
        Kind = kind;
        Options = options;
    }

    /// <summary>The peer the call goes to.</summary>
    public TetherPeer Peer { get; }

    /// <summary>The method called, from the generated tables; null for a call by message type (<see cref="TetherPeer.RequestAsync{TRequest, TResponse}(TRequest, CallOptions)"/>).</summary>
    public MethodDescriptor? Method { get; }

    /// <summary>How the call exchanges messages (for a call by message type: <see cref="MethodKind.Unary"/>, <see cref="MethodKind.OneWay"/> or <see cref="MethodKind.ServerStreaming"/> by the API used; calls with a request stream always name their method).</summary>
    public MethodKind Kind { get; }

    /// <summary>The method's <c>Service/Method</c> name, or the request's message type name for a call by message type.</summary>
    public string MethodName => Method?.FullName ?? RequestType.Name;

    /// <summary>The request's type.</summary>
    public abstract Type RequestType { get; }

    /// <summary>The request (boxed when it is a struct); for a call with a request stream, its <see cref="RequestStreamWriter{T}"/>.</summary>
    public abstract object Request { get; }

    /// <summary>The options the call goes out with; an interceptor may replace them before calling the continuation.</summary>
    public CallOptions Options { get; set; }

    /// <summary>
    /// The request metadata, writable: the options' metadata, or (when there was none, or it was read-only) a new
    /// writable copy put into <see cref="Options"/>.
    /// </summary>
    public CallMetadata Metadata
    {
        get
        {
            if (Options.Metadata is { IsReadOnly: false } metadata)
            {
                return metadata;
            }

            CallMetadata writable = Options.Metadata?.Copy() ?? new CallMetadata();
            Options = Options with { Metadata = writable };
            return writable;
        }
    }

    /// <summary>
    /// The trailing metadata of the answer, filled in by the time the continuation completes: the options' trailers, or
    /// (when the caller asked for none) a new collection put into <see cref="Options"/>.
    /// </summary>
    public CallMetadata ResponseTrailers
    {
        get
        {
            if (Options.ResponseTrailers is { } trailers)
            {
                return trailers;
            }

            CallMetadata created = new();
            Options = Options with { ResponseTrailers = created };
            return created;
        }
    }

    /// <summary>
    /// A unary call's reply (boxed when it is a struct): set once the continuation completed; set it instead of calling
    /// the continuation to answer the call without sending it. Null for calls without a reply, and for streams.
    /// </summary>
    /// <exception cref="InvalidCastException">Set to a value that is not the method's reply type.</exception>
    public virtual object? Response
    {
        get => null;
        set => throw new InvalidOperationException($"A {Kind} call has no reply to set.");
    }

    /// <summary>Runs the interceptors, then the network.</summary>
    internal ValueTask RunAsync(ICallInterceptor[] interceptors)
    {
        _interceptors = interceptors;
        _next = Next;
        return Next(this);
    }

    /// <summary>Sends the call and completes when it has (for a stream: when the stream ended).</summary>
    private protected abstract ValueTask SendAsync();

    private ValueTask Next(OutgoingCall call)
    {
        int index = _index++;
        if (index < _interceptors.Length)
        {
            return _interceptors[index].InvokeAsync(this, _next!);
        }

        if (index != _interceptors.Length)
        {
            throw new InvalidOperationException("An interceptor called its continuation more than once.");
        }

        if (Options.ResponseTrailers is null)
        {
            // So an interceptor can read the trailers after its continuation even when nobody asked for them before.
            Options = Options with { ResponseTrailers = new CallMetadata() };
        }

        return SendAsync();
    }
}
