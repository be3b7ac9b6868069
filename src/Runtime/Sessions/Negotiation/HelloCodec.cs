using Tether.Framing;
using Tether.Serialization;

namespace Tether.Sessions;

/// <summary>Building blocks of the hello payloads, with the limits a hostile hello runs into.</summary>
internal static class HelloCodec
{
    public delegate void WriteItem<T>(ref TetherWriter writer, T item);

    public delegate T ReadItem<T>(ref TetherReader reader);

    private const int MaxNameBytes = 256;

    public static TetherException Malformed(string detail) =>
        new(TetherErrorCode.UnsupportedVersion, $"The hello is malformed: {detail}.");

    public static void WriteFixedFields(ref TetherWriter writer, int maxFrameSize)
    {
        Span<byte> fixedFields = stackalloc byte[HelloPayload.Size];
        new HelloPayload(maxFrameSize).Write(fixedFields);
        fixedFields.CopyTo(writer.GetSpan(HelloPayload.Size));
        writer.Advance(HelloPayload.Size);
    }

    public static int ReadFixedFields(ReadOnlySpan<byte> payload)
    {
        if (payload.Length > ProtocolConstants.MaxHelloBytes)
        {
            throw Malformed($"{payload.Length:N0} bytes is more than the {ProtocolConstants.MaxHelloBytes:N0} a hello may carry");
        }

        if (!HelloPayload.TryRead(payload, out HelloPayload hello))
        {
            throw Malformed("magic or frame size");
        }

        return hello.MaxFrameSize;
    }

    public static void WriteList<T>(ref TetherWriter writer, IReadOnlyList<T> items, WriteItem<T> write)
    {
        writer.WriteVarUInt32((uint)items.Count);
        foreach (T item in items)
        {
            write(ref writer, item);
        }
    }

    public static T[] ReadList<T>(ref TetherReader reader, ReadItem<T> read)
    {
        uint count = reader.ReadVarUInt32();
        if (count > ProtocolConstants.MaxNegotiationEntries)
        {
            throw Malformed($"a list of {count} entries (at most {ProtocolConstants.MaxNegotiationEntries})");
        }

        T[] items = count == 0 ? [] : new T[count]; // an empty list (a client that hosts no services) is kept by the contract: share it
        for (int i = 0; i < items.Length; i++)
        {
            items[i] = read(ref reader);
        }

        return items;
    }

    public static void WriteCapability(ref TetherWriter writer, Capability capability)
    {
        writer.WriteString(capability.Name);
        writer.WriteVarUInt32((uint)capability.Version);
    }

    public static Capability ReadCapability(ref TetherReader reader) =>
        new(ReadName(ref reader), (int)Math.Min(reader.ReadVarUInt32(), int.MaxValue));

    public static string ReadName(ref TetherReader reader)
    {
        string? name = reader.ReadString();
        if (string.IsNullOrEmpty(name) || name.Length > MaxNameBytes)
        {
            throw Malformed("a name is empty or longer than 256 characters");
        }

        return name;
    }

    public static void WriteGuid(ref TetherWriter writer, Guid value)
    {
        writer.Reserve(16);
        writer.UncheckedWriteGuid(value);
    }

    public static Guid ReadGuid(ref TetherReader reader) => reader.ReadGuid();

    /// <summary>Writes credentials as a scheme and a secret (both length-prefixed), or a single 0 byte for none.</summary>
    public static void WriteCredentials(ref TetherWriter writer, Security.TetherCredentials? credentials)
    {
        writer.WriteByte(credentials is null ? (byte)0 : (byte)1);
        if (credentials is not null)
        {
            writer.WriteString(credentials.Scheme);
            writer.WriteBytes(credentials.Secret.Span);
        }
    }

    /// <summary>Reads what <see cref="WriteCredentials"/> wrote, with the scheme and secret limits of <see cref="Security.TetherCredentials"/>.</summary>
    public static Security.TetherCredentials? ReadCredentials(ref TetherReader reader)
    {
        if (!reader.ReadBoolean())
        {
            return null;
        }

        string? scheme = reader.ReadString();
        byte[] secret = reader.ReadByteArray() ?? [];
        if (string.IsNullOrEmpty(scheme) || scheme.Length > Security.TetherCredentials.MaxSchemeLength || secret.Length > Security.TetherCredentials.MaxSecretBytes)
        {
            throw Malformed("the credentials' scheme is empty or too long, or the secret is over 8 KiB");
        }

        return new Security.TetherCredentials(scheme, secret);
    }
}
