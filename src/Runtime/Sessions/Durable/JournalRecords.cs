using System.Buffers;
using System.Buffers.Binary;
using Tether.Serialization;

namespace Tether.Sessions.Durable;

/// <summary>The kinds of record the session journal writes (docs/durability.md lists them with their fields).</summary>
internal enum JournalRecordKind : byte
{
    /// <summary>A session's ticket and what it was negotiated as: token hashes, expiry, resume attempt, contract, principal.</summary>
    Ticket = 1,

    /// <summary>Sequenced frames the server sent (in order), and the incoming frame they answer, if they answer one.</summary>
    Frames = 2,

    /// <summary>The client acknowledged every frame up to a number: they are no longer kept.</summary>
    Acknowledged = 3,

    /// <summary>Every incoming frame up to a number is handled (the server acknowledges this far).</summary>
    Watermark = 4,

    /// <summary>One incoming one-way message's handler completed (with the frames it sent its own session, released with it).</summary>
    Completed = 5,

    /// <summary>The session ended.</summary>
    Removed = 6,

    /// <summary>An incoming stream call had sent items (snapshots only; the log has the items themselves).</summary>
    StreamStarted = 7,
}

/// <summary>Encodes and decodes journal records; each starts with its kind and the session id.</summary>
internal static class JournalRecords
{
    public const int PrefixSize = 1 + 16;

    public static void WritePrefix(ref TetherWriter writer, JournalRecordKind kind, Guid session)
    {
        writer.WriteByte((byte)kind);
        writer.Reserve(16);
        writer.UncheckedWriteGuid(session);
    }

    public static (JournalRecordKind Kind, Guid Session) ReadPrefix(ref TetherReader reader) => ((JournalRecordKind)reader.ReadByte(), reader.ReadGuid());

    /// <summary>A record with one number after the prefix (acknowledged, watermark).</summary>
    public static int WriteNumber(Span<byte> destination, JournalRecordKind kind, Guid session, ulong value)
    {
        destination[0] = (byte)kind;
        session.TryWriteBytes(destination[1..]);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[PrefixSize..], value);
        return PrefixSize + 8;
    }

    public static Guid ReadSession(ReadOnlySpan<byte> record) => new(record.Slice(1, 16));

    /// <summary>Writes a ticket record; the contract and the principal go as length-prefixed blocks, which many sessions share (see <see cref="TicketReader"/>).</summary>
    public static void WriteTicket(IBufferWriter<byte> buffer, JournaledTicket ticket)
    {
        var writer = new TetherWriter(buffer);
        WritePrefix(ref writer, JournalRecordKind.Ticket, ticket.Ticket.SessionId);
        SessionTicket t = ticket.Ticket;
        writer.WriteBytes(t.TokenHash);
        writer.WriteBytes(t.PreviousTokenHash);
        writer.WriteVarUInt64((ulong)t.ExpiresAt.UtcTicks);
        writer.WriteVarUInt64(t.LastResumeAttempt);
        writer.WriteBytes(ticket.ContractBlock);
        writer.WriteString(ticket.Subject);
        writer.WriteBytes(ticket.CertificateHash);
        writer.Flush();
    }

    public static byte[] Ticket(JournaledTicket ticket)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        WriteTicket(buffer, ticket);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The negotiated contract's part of a ticket (no session id), encoded once per session: what recovery caches.</summary>
    public static byte[] EncodeContract(int version, string transport, IReadOnlyList<Capability> services, IReadOnlyList<Capability> clientServices)
    {
        var buffer = new ArrayBufferWriter<byte>(64);
        var writer = new TetherWriter(buffer);
        writer.WriteVarUInt32((uint)version);
        writer.WriteString(transport);
        WriteCapabilities(ref writer, services);
        WriteCapabilities(ref writer, clientServices);
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    public static (int Version, string Transport, Capability[] Services, Capability[] ClientServices) DecodeContract(ReadOnlySpan<byte> block)
    {
        var reader = new TetherReader(block);
        int version = (int)reader.ReadVarUInt32();
        string transport = reader.ReadString() ?? "";
        return (version, transport, ReadCapabilities(ref reader), ReadCapabilities(ref reader));
    }

    private static void WriteCapabilities(ref TetherWriter writer, IReadOnlyList<Capability> capabilities)
    {
        writer.WriteVarUInt32((uint)capabilities.Count);
        foreach (Capability capability in capabilities)
        {
            writer.WriteString(capability.Name);
            writer.WriteVarUInt32((uint)capability.Version);
        }
    }

    private static Capability[] ReadCapabilities(ref TetherReader reader)
    {
        var capabilities = new Capability[reader.ReadVarUInt32()];
        for (int i = 0; i < capabilities.Length; i++)
        {
            capabilities[i] = new Capability(reader.ReadString() ?? "", (int)reader.ReadVarUInt32());
        }

        return capabilities;
    }
}

/// <summary>A ticket as the journal keeps it: the store's ticket plus what a restarted server needs to rebuild the session.</summary>
/// <param name="Ticket">Token hashes, expiry, last resume attempt.</param>
/// <param name="Version">The negotiated protocol version.</param>
/// <param name="Transport">The transport it was negotiated on.</param>
/// <param name="Services">Services the server granted.</param>
/// <param name="ClientServices">Services the client offered.</param>
/// <param name="Subject">The authenticated principal's subject, if any (a resume must be the same principal).</param>
/// <param name="CertificateHash">SHA-256 of the client certificate the session began with, if any.</param>
internal sealed record JournaledTicket(SessionTicket Ticket, int Version, string Transport, IReadOnlyList<Capability> Services,
    IReadOnlyList<Capability> ClientServices, string? Subject, byte[]? CertificateHash)
{
    private byte[]? _contractBlock;

    /// <summary>The contract's encoding (shared by the sessions recovery found with the same contract).</summary>
    public byte[] ContractBlock
    {
        get => _contractBlock ??= JournalRecords.EncodeContract(Version, Transport, Services, ClientServices);
        init => _contractBlock = value;
    }

    public SessionContract Contract => new(Ticket.SessionId, Version, Transport, Services, ClientServices, Resumable: true) { Durable = true };
}

/// <summary>
/// Reads ticket records during recovery, decoding each distinct contract and subject once: a million sessions usually
/// share a handful of contracts and far fewer principals than sessions, and recovery time is mostly allocation.
/// </summary>
internal sealed class TicketReader
{
    private const int MaxSubjects = 65_536;
    private readonly Dictionary<int, (byte[] Block, JournaledTicket Shape)> _contracts = [];
    private readonly Dictionary<string, string> _subjects = new(StringComparer.Ordinal);

    public JournaledTicket Read(ReadOnlySpan<byte> record)
    {
        var reader = new TetherReader(record);
        (_, Guid session) = JournalRecords.ReadPrefix(ref reader);
        byte[] hash = reader.ReadByteArray() ?? [];
        byte[]? previous = reader.ReadByteArray();
        var expires = new DateTimeOffset((long)Math.Min(reader.ReadVarUInt64(), (ulong)DateTimeOffset.MaxValue.UtcTicks), TimeSpan.Zero);
        ulong attempt = reader.ReadVarUInt64();
        var ticket = new SessionTicket(session, hash, previous, expires) { LastResumeAttempt = attempt };
        ReadOnlySpan<byte> block = reader.ReadMemory().Span;
        JournaledTicket shape = Contract(block);
        string? subject = Subject(ref reader);
        return shape with { Ticket = ticket, Subject = subject, CertificateHash = reader.ReadByteArray() };
    }

    private JournaledTicket Contract(ReadOnlySpan<byte> block)
    {
        var hash = new HashCode();
        hash.AddBytes(block);
        int key = hash.ToHashCode();
        if (_contracts.TryGetValue(key, out (byte[] Block, JournaledTicket Shape) known) && block.SequenceEqual(known.Block))
        {
            return known.Shape;
        }

        byte[] copy = block.ToArray();
        (int version, string transport, Capability[] services, Capability[] clientServices) = JournalRecords.DecodeContract(copy);
        var placeholder = new SessionTicket(Guid.Empty, [], null, DateTimeOffset.MaxValue);
        var shape = new JournaledTicket(placeholder, version, transport, services, clientServices, null, null) { ContractBlock = copy };
        _contracts[key] = (copy, shape);
        return shape;
    }

    /// <summary>One string per principal, not per session (what the recovered sessions keep).</summary>
    private string? Subject(ref TetherReader reader)
    {
        string? subject = reader.ReadString();
        if (subject is null)
        {
            return null;
        }

        if (_subjects.TryGetValue(subject, out string? known))
        {
            return known;
        }

        if (_subjects.Count < MaxSubjects)
        {
            _subjects[subject] = subject;
        }

        return subject;
    }
}
