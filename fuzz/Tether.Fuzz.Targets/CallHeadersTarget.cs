using System.Buffers;
using Tether.Framing;

namespace Tether.Fuzz;

/// <summary>The call headers block of a request or an answer's trailers, split in two segments where the first byte says.</summary>
public sealed class CallHeadersTarget : FuzzTarget
{
    private static readonly CallHeaderLimits s_limits = new(8 * 1024, 64);

    public override string Name => "headers";

    public override string Description => "CallHeaderCodec.TryRead over a two-segment payload";

    public override void Run(ReadOnlySpan<byte> input)
    {
        if (input.Length < 1)
        {
            return;
        }

        byte[] bytes = input.Slice(1).ToArray();
        ReadOnlySequence<byte> payload = Segments.Split(bytes, input[0]);
        InputRules.Decode(bytes.Length, payload, static p =>
        {
            TetherErrorCode code = CallHeaderCodec.TryRead(p, s_limits, out IncomingCallHeaders? headers, out ReadOnlySequence<byte> rest, out string? problem);
            if (code == TetherErrorCode.None)
            {
                foreach (CallMetadataEntry entry in headers!.Metadata)
                {
                    _ = entry.IsBinary ? entry.Bytes.Length : entry.Text!.Length;
                }

                if (rest.Length > p.Length)
                {
                    throw new FuzzFindingException("The body after the headers is longer than the payload.");
                }
            }
            else if (code is not (TetherErrorCode.InvalidCallHeaders or TetherErrorCode.CallHeadersTooLarge) || problem is null)
            {
                throw new FuzzFindingException($"Refused with {code} and problem '{problem}': the documented refusals are 3009 and 5006 with a reason.");
            }
        });
    }

    public override IEnumerable<KeyValuePair<string, byte[]>> Seeds()
    {
        yield return new("full", [3, .. SeedBytes.HeadersBlock(), 1, 2, 3]);
        yield return new("empty-block", [0, 0]);
    }
}
