using System.Buffers;

namespace Tether.Connections;

/// <summary>
/// One incoming call run through the call filters (<see cref="ICallFilter"/>): each filter in turn, then the generated
/// dispatch. Owned by a pooled <see cref="IncomingCall"/> and reused with it, so the pipeline itself allocates nothing
/// per call; the request's bytes are copied to a pooled buffer first, since a filter may await before calling
/// <c>next</c> while the receive loop moves on.
/// </summary>
internal sealed class FilteredDispatch
{
    private readonly IncomingCall _call;
    private readonly CallFilterNext _next;
    private ICallFilter[] _filters = [];
    private HandlerBinding? _binding;
    private int _methodId;
    private int _index;
    private byte[]? _payload;
    private int _length;

    public FilteredDispatch(IncomingCall call)
    {
        _call = call;
        _next = Next;
    }

    /// <summary>Starts the pipeline; the returned task completes when the outermost filter has.</summary>
    public ValueTask Run(ICallFilter[] filters, HandlerBinding binding, int methodId, in ReadOnlySequence<byte> payload)
    {
        _call.HoldAnswer();
        _filters = filters;
        _binding = binding;
        _methodId = methodId;
        _index = 0;
        _length = (int)payload.Length;
        _payload = ArrayPool<byte>.Shared.Rent(Math.Max(1, _length));
        payload.CopyTo(_payload);
        return Next(_call);
    }

    /// <summary>Gives the copied request back to the pool (once the handler decoded it, or the call ended without reaching it).</summary>
    public void Release()
    {
        if (_payload is { } payload)
        {
            _payload = null;
            ArrayPool<byte>.Shared.Return(payload);
        }
    }

    private ValueTask Next(CallContext context)
    {
        int index = _index++;
        if (index < _filters.Length)
        {
            return _filters[index].InvokeAsync(_call, _next);
        }

        byte[] payload = index == _filters.Length && _payload is { } copy
            ? copy
            : throw new InvalidOperationException("A call filter called next more than once, or after its call ended.");
        try
        {
            // The handler decodes its request before TryDispatch returns: the copy can go back to the pool right after.
            return _binding!.TryDispatch(_methodId, new ReadOnlySequence<byte>(payload, 0, _length), _call, out ValueTask completion)
                ? completion
                : throw new TetherException(TetherErrorCode.UnknownMethod, $"No handler has a method with id {_methodId}.");
        }
        finally
        {
            Release();
        }
    }
}
