using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Tether.Redis.Backplane;

/// <summary>What one backplane message asks every node to do.</summary>
internal enum BackplaneMessageKind : byte
{
    /// <summary>Push the frame to every session.</summary>
    All = 1,

    /// <summary>Push the frame to the sessions in <see cref="BackplaneMessage.Group"/>.</summary>
    Group = 2,

    /// <summary>Push the frame to <see cref="BackplaneMessage.Session"/>.</summary>
    Session = 3,

    /// <summary>The node holding <see cref="BackplaneMessage.Session"/> adds it to <see cref="BackplaneMessage.Group"/>.</summary>
    Join = 4,

    /// <summary>The node holding <see cref="BackplaneMessage.Session"/> removes it from <see cref="BackplaneMessage.Group"/>.</summary>
    Leave = 5,
}

/// <summary>One message of a node's batch: a framed push (encoded once, on the publishing node) and where it goes.</summary>
internal sealed record BackplaneMessage(BackplaneMessageKind Kind, string? Group, Guid Session, Guid? Except, byte[] Frame)
{
    /// <summary>
    /// A batch as it is stored in one stream entry: per message its kind, group (length-prefixed UTF-8), session,
    /// except (a flag and 16 bytes) and frame (length-prefixed).
    /// </summary>
    public static byte[] EncodeBatch(IReadOnlyList<BackplaneMessage> messages)
    {
        var writer = new ArrayBufferWriter<byte>(256);
        foreach (BackplaneMessage message in messages)
        {
            int groupBytes = message.Group is null ? 0 : Encoding.UTF8.GetByteCount(message.Group);
            Span<byte> span = writer.GetSpan(1 + 4 + groupBytes + 16 + 1 + 16 + 4 + message.Frame.Length);
            int at = 0;
            span[at++] = (byte)message.Kind;
            BinaryPrimitives.WriteInt32LittleEndian(span[at..], message.Group is null ? -1 : groupBytes);
            at += 4;
            if (message.Group is not null)
            {
                at += Encoding.UTF8.GetBytes(message.Group, span[at..]);
            }

            message.Session.TryWriteBytes(span[at..]);
            at += 16;
            span[at++] = message.Except is null ? (byte)0 : (byte)1;
            (message.Except ?? Guid.Empty).TryWriteBytes(span[at..]);
            at += 16;
            BinaryPrimitives.WriteInt32LittleEndian(span[at..], message.Frame.Length);
            at += 4;
            message.Frame.CopyTo(span[at..]);
            at += message.Frame.Length;
            writer.Advance(at);
        }

        return writer.WrittenSpan.ToArray();
    }

    /// <summary>Reads a batch back; a damaged one (another writer on the key, a truncated value) is a <see cref="FormatException"/>.</summary>
    public static List<BackplaneMessage> DecodeBatch(ReadOnlySpan<byte> body, int count)
    {
        var messages = new List<BackplaneMessage>(count);
        for (int i = 0; i < count; i++)
        {
            if (body.Length < 1 + 4)
            {
                throw new FormatException("A backplane batch ends inside a message.");
            }

            var kind = (BackplaneMessageKind)body[0];
            int groupBytes = BinaryPrimitives.ReadInt32LittleEndian(body[1..]);
            body = body[5..];
            string? group = null;
            if (groupBytes >= 0)
            {
                if (body.Length < groupBytes)
                {
                    throw new FormatException("A backplane message's group is longer than its batch.");
                }

                group = Encoding.UTF8.GetString(body[..groupBytes]);
                body = body[groupBytes..];
            }

            if (body.Length < 16 + 1 + 16 + 4 || kind is < BackplaneMessageKind.All or > BackplaneMessageKind.Leave)
            {
                throw new FormatException("A backplane message is truncated or of an unknown kind.");
            }

            var session = new Guid(body[..16]);
            Guid? except = body[16] == 1 ? new Guid(body.Slice(17, 16)) : null;
            int frameLength = BinaryPrimitives.ReadInt32LittleEndian(body[33..]);
            body = body[37..];
            if (frameLength < 0 || body.Length < frameLength)
            {
                throw new FormatException("A backplane message's frame is longer than its batch.");
            }

            messages.Add(new BackplaneMessage(kind, group, session, except, body[..frameLength].ToArray()));
            body = body[frameLength..];
        }

        return messages;
    }
}
