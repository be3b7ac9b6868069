using Tether.Schema;

namespace Tether.Fuzz;

/// <summary>
/// <see cref="SchemaJson"/> (decoding from shapes alone, what the <c>tether</c> tool does with a server's replies) against
/// the generated codec of <see cref="Everything"/>: both must accept or refuse the same bytes, and what they accept the
/// JSON must carry whole — the JSON encoded back by <see cref="SchemaJson"/> decodes, through the codec, to the value the
/// codec read from the input.
/// </summary>
public sealed class SchemaTarget : FuzzTarget
{
    /// <summary>
    /// What decoding to JSON may cost per input byte: a one-byte empty nested message becomes its whole shape in JSON text
    /// (every member with its default), written to a growing buffer and then into a string.
    /// </summary>
    public const long HeapBytesPerInputByte = 4096;

    private static readonly SchemaJson s_schema = new(IFuzzService.Descriptor.Messages);
    private static readonly int s_messageId = IFuzzService.Descriptor.Methods[0].RequestMessageId;

    public override string Name => "schema";

    public override string Description => "SchemaJson.Decode (JSON from shapes alone) against TetherCodec.Decode<Everything>: the same verdict and the same value";

    public override void Run(ReadOnlySpan<byte> input)
    {
        byte[] bytes = input.ToArray();
        Everything? value = null;
        string? json = null;
        bool codecAccepted = InputRules.Decode(bytes.Length, CodecTarget.HeapBytesPerInputByte, bytes, b => value = TetherCodec.Decode<Everything>(GuardedInput.Place(b)));
        bool schemaAccepted = InputRules.Decode(bytes.Length, HeapBytesPerInputByte, bytes, b => json = s_schema.Decode(s_messageId, b));
        if (codecAccepted != schemaAccepted)
        {
            throw new FuzzFindingException($"The codec {(codecAccepted ? "accepted" : "refused")} what SchemaJson {(schemaAccepted ? "accepted" : "refused")}.");
        }

        if (!codecAccepted)
        {
            return;
        }

        Everything back;
        try
        {
            back = TetherCodec.Decode<Everything>(s_schema.Encode(s_messageId, json!).AsSpan());
        }
        catch (TetherException e)
        {
            throw new FuzzFindingException($"SchemaJson could not carry back what it decoded ({e.Code}: {e.Message}).");
        }

        // Compared as JSON of the codec's values: JSON is canonical where bytes are not (non-minimal varints, NaN payloads).
        string expected = s_schema.Decode(s_messageId, TetherCodec.ToArray(value!));
        string actual = s_schema.Decode(s_messageId, TetherCodec.ToArray(back));
        if (!string.Equals(expected, actual, StringComparison.Ordinal))
        {
            throw new FuzzFindingException($"The value did not survive wire → JSON → wire: {expected} became {actual}.");
        }
    }

    public override IEnumerable<KeyValuePair<string, byte[]>> Seeds()
    {
        yield return new("rich", TetherCodec.ToArray(Samples.Rich));
        yield return new("sparse", TetherCodec.ToArray(new Everything(default, null, null, null, null, null, null, default, null, null, null, null, null, null, null, null, null, null, null, null, null)));
    }
}
