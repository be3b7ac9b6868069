using System.Buffers;
using Tether.Framing;
using Tether.Serialization;

namespace Tether.Sessions;

/// <summary>The resume part of a client hello: which session, the proof, what the client already has, and which of its resume hellos this is.</summary>
/// <param name="SessionId">The session to resume.</param>
/// <param name="Token">The resume token the server last issued to the client (32 bytes).</param>
/// <param name="LastReceived">The last sequence number the client received in order.</param>
/// <param name="Attempt">
/// Counts the client's resume hellos for the session from 1. The server grants only a number above the last it granted,
/// so a hello from a link the client gave up on cannot supersede a later resume that holds the same (still unconfirmed) token.
/// </param>
internal sealed record ResumeRequest(Guid SessionId, byte[] Token, ulong LastReceived, ulong Attempt);

/// <summary>
/// A client's hello: the version-1 fields and, from version 2, its offer, and after the resume part the credentials it
/// presents (<c>docs/wire-format.md</c> §7.1; a hello that ends before them presents none).
/// </summary>
internal sealed record ClientHello(int MaxFrameSize, NegotiationOffer Offer, ResumeRequest? Resume, Security.TetherCredentials? Credentials = null)
{
    public byte[] Encode()
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        var writer = new TetherWriter(buffer);
        HelloCodec.WriteFixedFields(ref writer, MaxFrameSize);
        HelloCodec.WriteList(ref writer, Offer.Versions, static (ref TetherWriter w, int v) => w.WriteVarUInt32((uint)v));
        HelloCodec.WriteList(ref writer, Offer.Transports, static (ref TetherWriter w, string t) => w.WriteString(t));
        HelloCodec.WriteList(ref writer, Offer.Requested, static (ref TetherWriter w, CapabilityRequest c) =>
        {
            w.WriteString(c.Name);
            w.WriteVarUInt32((uint)c.MinimumVersion);
            w.WriteByte(c.Required ? (byte)1 : (byte)0);
        });
        HelloCodec.WriteList(ref writer, Offer.ClientServices, HelloCodec.WriteCapability);
        writer.WriteByte(Offer.WantsResume ? (byte)1 : (byte)0);
        writer.WriteByte(Resume is null ? (byte)0 : (byte)1);
        if (Resume is { } resume)
        {
            HelloCodec.WriteGuid(ref writer, resume.SessionId);
            writer.WriteBytes(resume.Token.AsSpan());
            writer.WriteVarUInt64(resume.LastReceived);
            writer.WriteVarUInt64(resume.Attempt);
        }

        HelloCodec.WriteCredentials(ref writer, Credentials);
        if (Offer.Compression.Count > 0)
        {
            // After the credentials, read only when present: a server from before compression stops at them.
            HelloCodec.WriteList(ref writer, Offer.Compression, static (ref TetherWriter w, CompressionAlgorithm a) => w.WriteByte((byte)a));
        }

        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Reads a hello whose header carried <paramref name="headerVersion"/>; throws <see cref="TetherException"/> (3003) if it is malformed.</summary>
    public static ClientHello Decode(int headerVersion, ReadOnlySpan<byte> payload)
    {
        int maxFrameSize = HelloCodec.ReadFixedFields(payload);
        if (payload.Length == HelloPayload.Size)
        {
            // A hello without the negotiation block offers exactly its header's version (a version-1 peer's, or a minimal one).
            return new ClientHello(maxFrameSize, new NegotiationOffer([headerVersion], [], [], [], WantsResume: false), null);
        }

        try
        {
            var reader = new TetherReader(payload.Slice(HelloPayload.Size));
            int[] versions = HelloCodec.ReadList(ref reader, static (ref TetherReader r) => (int)Math.Min(r.ReadVarUInt32(), int.MaxValue));
            string[] transports = HelloCodec.ReadList(ref reader, HelloCodec.ReadName);
            CapabilityRequest[] requested = HelloCodec.ReadList(ref reader, static (ref TetherReader r) =>
                new CapabilityRequest(HelloCodec.ReadName(ref r), (int)Math.Min(r.ReadVarUInt32(), int.MaxValue), r.ReadBoolean()));
            Capability[] services = HelloCodec.ReadList(ref reader, HelloCodec.ReadCapability);
            bool wantsResume = reader.ReadBoolean();
            ResumeRequest? resume = null;
            if (reader.ReadBoolean())
            {
                Guid sessionId = HelloCodec.ReadGuid(ref reader);
                byte[] token = reader.ReadByteArray() ?? [];
                if (token.Length != ProtocolConstants.ResumeTokenSize)
                {
                    throw HelloCodec.Malformed("the resume token is not 32 bytes");
                }

                ulong lastReceived = reader.ReadVarUInt64();
                resume = new ResumeRequest(sessionId, token, lastReceived, reader.ReadVarUInt64());
            }

            Security.TetherCredentials? credentials = reader.Consumed < reader.Length ? HelloCodec.ReadCredentials(ref reader) : null;
            // Unknown algorithm ids (a newer client's) are skipped: the server chooses among those it knows.
            CompressionAlgorithm[] compression = reader.Consumed < reader.Length
                ? [.. HelloCodec.ReadList(ref reader, static (ref TetherReader r) => (CompressionAlgorithm)r.ReadByte()).Where(static a => a is > CompressionAlgorithm.None and <= CompressionAlgorithm.Lz4)]
                : [];
            return new ClientHello(maxFrameSize, new NegotiationOffer(versions, transports, requested, services, wantsResume) { Compression = compression }, resume, credentials);
        }
        catch (TetherDecodeException e)
        {
            throw HelloCodec.Malformed(e.Message);
        }
    }
}

/// <summary>
/// A server's hello: its frame size and the contract, plus on a resumable session the (new) resume token and, when
/// resuming, the last sequence number it received; then how long the client's credentials stay good
/// (<c>docs/wire-format.md</c> §7.2; absent or 0: no expiry).
/// </summary>
internal sealed record ServerHello(int MaxFrameSize, SessionContract Contract, byte[]? Token, ulong LastReceived, bool Resumed, TimeSpan ResumeWindow, TimeSpan? CredentialsLifetime = null)
{
    public byte[] Encode()
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        var writer = new TetherWriter(buffer);
        HelloCodec.WriteFixedFields(ref writer, MaxFrameSize);
        writer.WriteVarUInt32((uint)Contract.Version);
        writer.WriteString(Contract.Transport);
        HelloCodec.WriteList(ref writer, Contract.Services, HelloCodec.WriteCapability);
        HelloCodec.WriteGuid(ref writer, Contract.SessionId);
        writer.WriteByte(Contract.Resumable ? (byte)1 : (byte)0);
        if (Contract.Resumable)
        {
            writer.WriteBytes(Token.AsSpan());
            writer.WriteVarUInt64(LastReceived);
            writer.WriteByte(Resumed ? (byte)1 : (byte)0);
            writer.WriteVarUInt64((ulong)ResumeWindow.TotalMilliseconds);
        }

        writer.WriteVarUInt64(LifetimeField(CredentialsLifetime));
        uint flags = (Contract.Durable ? SessionFlagDurable : 0) | (Contract.DeprecatedMethods.Count > 0 ? SessionFlagDeprecations : 0)
            | (Contract.Compression != CompressionAlgorithm.None ? SessionFlagCompression : 0);
        if (flags != 0)
        {
            writer.WriteVarUInt32(flags); // absent (no flags) otherwise: older clients' hellos end here
        }

        if ((flags & SessionFlagDeprecations) != 0)
        {
            HelloCodec.WriteList(ref writer, Contract.DeprecatedMethods, static (ref TetherWriter w, DeprecatedMethod d) =>
            {
                w.WriteString(d.Service);
                w.WriteString(d.Method);
                w.WriteVarUInt32(unchecked((uint)d.MethodId));
                w.WriteString(d.Reason);
            });
        }

        if ((flags & SessionFlagCompression) != 0)
        {
            writer.WriteByte((byte)Contract.Compression);
        }

        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Reads a server hello; <paramref name="clientServices"/> completes the contract (the server does not echo them).</summary>
    public static ServerHello Decode(int headerVersion, ReadOnlySpan<byte> payload, IReadOnlyList<Capability> clientServices)
    {
        int maxFrameSize = HelloCodec.ReadFixedFields(payload);
        if (headerVersion != ProtocolConstants.Version)
        {
            throw new TetherException(TetherErrorCode.UnsupportedVersion,
                $"The server answered with protocol version {headerVersion}; this client speaks only {ProtocolConstants.Version}.");
        }

        try
        {
            var reader = new TetherReader(payload.Slice(HelloPayload.Size));
            int version = (int)Math.Min(reader.ReadVarUInt32(), int.MaxValue);
            string transport = HelloCodec.ReadName(ref reader);
            Capability[] services = HelloCodec.ReadList(ref reader, HelloCodec.ReadCapability);
            Guid sessionId = HelloCodec.ReadGuid(ref reader);
            bool resumable = reader.ReadBoolean();
            var contract = new SessionContract(sessionId, version, transport, services, clientServices, resumable);
            if (!resumable)
            {
                TimeSpan? plainLifetime = ReadLifetime(ref reader);
                return new ServerHello(maxFrameSize, ReadFlags(ref reader, contract), null, 0, false, TimeSpan.Zero, plainLifetime);
            }


            byte[] token = reader.ReadByteArray() ?? [];
            if (token.Length != ProtocolConstants.ResumeTokenSize)
            {
                throw HelloCodec.Malformed("the resume token is not 32 bytes");
            }

            ulong lastReceived = reader.ReadVarUInt64();
            bool resumed = reader.ReadBoolean();
            TimeSpan window = TimeSpan.FromMilliseconds(Math.Min(reader.ReadVarUInt64(), (ulong)TimeSpan.MaxValue.TotalMilliseconds / 2));
            TimeSpan? lifetime = ReadLifetime(ref reader);
            return new ServerHello(maxFrameSize, ReadFlags(ref reader, contract), token, lastReceived, resumed, window, lifetime);
        }
        catch (TetherDecodeException e)
        {
            throw HelloCodec.Malformed(e.Message);
        }
    }

    /// <summary>Session flags (wire format §7.2): bit 0, the session is durable (it survives the server process; calls use no streams of their own).</summary>
    internal const uint SessionFlagDurable = 1;

    /// <summary>Session flags bit 1: the list of the server's deprecated methods follows the flags.</summary>
    internal const uint SessionFlagDeprecations = 2;

    /// <summary>Session flags bit 2: the compression algorithm the server chose (one byte) follows the deprecations.</summary>
    internal const uint SessionFlagCompression = 4;

    private const int MaxDeprecations = 32;
    private const int MaxDeprecationReason = 200;
    private const int DeprecationBudgetBytes = 8 * 1024;

    /// <summary>
    /// The deprecations a hello can carry: at most 32, reasons cut to 200 characters, names a hello accepts, and
    /// 8 KiB in all (half a hello), so a server with many never makes its hello too large for a client to read.
    /// </summary>
    internal static IReadOnlyList<DeprecatedMethod> FitDeprecations(IReadOnlyList<DeprecatedMethod> all)
    {
        var fitted = new List<DeprecatedMethod>();
        int bytes = 0;
        foreach (DeprecatedMethod method in all)
        {
            if (method.Service.Length is 0 or > 256 || method.Method.Length is 0 or > 256)
            {
                continue;
            }

            DeprecatedMethod cut = method.Reason.Length > MaxDeprecationReason ? method with { Reason = method.Reason[..MaxDeprecationReason] } : method;
            bytes += System.Text.Encoding.UTF8.GetByteCount(cut.Service) + System.Text.Encoding.UTF8.GetByteCount(cut.Method) + System.Text.Encoding.UTF8.GetByteCount(cut.Reason) + 16;
            if (fitted.Count == MaxDeprecations || bytes > DeprecationBudgetBytes)
            {
                break;
            }

            fitted.Add(cut);
        }

        return fitted;
    }

    // The optional tail: session flags (absent in hellos from before durable sessions), then what the flags announce.
    private static SessionContract ReadFlags(ref TetherReader reader, SessionContract contract)
    {
        uint flags = reader.Consumed < reader.Length ? reader.ReadVarUInt32() : 0;
        DeprecatedMethod[] deprecated = (flags & SessionFlagDeprecations) == 0 ? [] : HelloCodec.ReadList(ref reader, static (ref TetherReader r) =>
            new DeprecatedMethod(HelloCodec.ReadName(ref r), HelloCodec.ReadName(ref r), unchecked((int)r.ReadVarUInt32()), r.ReadString() ?? ""));
        var compression = (flags & SessionFlagCompression) == 0 ? CompressionAlgorithm.None : (CompressionAlgorithm)reader.ReadByte();
        if (compression > CompressionAlgorithm.Lz4)
        {
            throw HelloCodec.Malformed($"the server chose compression algorithm {(byte)compression}, which this client does not know");
        }

        return contract with { Durable = (flags & SessionFlagDurable) != 0, DeprecatedMethods = deprecated, Compression = compression };
    }

    /// <summary>A lifetime on the wire: milliseconds, at least 1; 0 for none.</summary>
    internal static ulong LifetimeField(TimeSpan? lifetime) =>
        lifetime is { } left ? (ulong)Math.Max(1, Math.Ceiling(left.TotalMilliseconds)) : 0;

    internal static TimeSpan? ReadLifetime(ref TetherReader reader)
    {
        if (reader.Consumed >= reader.Length)
        {
            return null; // a hello from before credentials existed
        }

        ulong milliseconds = reader.ReadVarUInt64();
        return milliseconds == 0 ? null : TimeSpan.FromMilliseconds(Math.Min(milliseconds, (ulong)TimeSpan.MaxValue.TotalMilliseconds / 2));
    }
}
