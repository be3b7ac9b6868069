using Tether.Serialization;

namespace Tether.Calls;

/// <summary>An already encoded request body, written as it is by the typed send path (which always names the method, so its id is never used).</summary>
internal readonly struct EncodedBody(ReadOnlyMemory<byte> body) : IMessage<EncodedBody>
{
    public ReadOnlyMemory<byte> Body => body;

    static int IMessage<EncodedBody>.MessageId => 0;

    static void IMessage<EncodedBody>.WriteBody(ref TetherWriter writer, in EncodedBody value)
    {
        ReadOnlySpan<byte> bytes = value.Body.Span;
        bytes.CopyTo(writer.GetSpan(bytes.Length));
        writer.Advance(bytes.Length);
    }

    static EncodedBody IMessage<EncodedBody>.ReadBody(ref TetherReader reader) =>
        throw new NotSupportedException("An encoded body is only sent; replies are read by EncodedUnaryCall and EncodedStreamCall.");

    static int IMessage<EncodedBody>.GetBodySize(in EncodedBody value, int depth) => value.Body.Length;
}
