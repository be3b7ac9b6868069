using System.Buffers;
using System.Threading.Tasks.Sources;
using Tether.Framing;

namespace Tether.Connections;

/// <summary>A pending call whose caller wants completion only (the method returns nothing, or its result is ignored).</summary>
internal sealed class EmptyCall : PooledCall<EmptyCall, bool>, IValueTaskSource
{
    public ValueTask Task => new(this, Version);

    public override void OnResponse(in FrameHeader header, in ReadOnlySequence<byte> payload, DecodeOptions options) => Succeed(true);

    void IValueTaskSource.GetResult(short token) => GetResultAndRecycle(token);
}
