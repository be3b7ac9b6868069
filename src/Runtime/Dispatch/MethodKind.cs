namespace Tether;

/// <summary>How a handler method exchanges messages with its caller.</summary>
public enum MethodKind
{
    /// <summary>Fire and forget: the method returns <c>void</c>; nothing is sent back.</summary>
    OneWay = 0,

    /// <summary>One request, one reply (possibly empty).</summary>
    Unary = 1,

    /// <summary>One request, a stream of replies (<see cref="IAsyncEnumerable{T}"/>).</summary>
    ServerStreaming = 2,

    /// <summary>A stream of requests (<see cref="IAsyncEnumerable{T}"/>), one reply.</summary>
    ClientStreaming = 3,

    /// <summary>A stream of requests and a stream of replies, both flowing at once.</summary>
    BidirectionalStreaming = 4,
}
