using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Tether.Schema;

/// <summary>
/// Encodes JSON into Tether's wire format, and decodes it back, from message shapes alone (what introspection returns,
/// <see cref="Introspection.IIntrospection"/>): no generated code, so a tool can call a method it has never seen.
/// </summary>
/// <remarks>
/// <para>The JSON of a message is an object whose properties are its members (names match exactly, or else ignoring
/// case). Members left out after the last one given are not sent, as by an older writer (wire format §4), so the
/// reader gives them its declared defaults; one left out before a member given is sent as its type's default. Decoded,
/// a member the writer did not send shows its type's default (a shape does not carry declared defaults).
/// Values: numbers for integers, floating point and decimal (also accepted as strings; <c>NaN</c>, <c>Infinity</c> and
/// <c>-Infinity</c> as strings), strings for <c>int128</c>/<c>uint128</c>, <c>char</c>, <c>guid</c>, <c>datetime</c> and
/// <c>datetimeoffset</c> (ISO 8601, round-trip form), <c>timespan</c> (<c>[-][d.]hh:mm:ss[.fffffff]</c>) and
/// <c>bytes</c> (base64); enums as their names when the shape gives them (a flags value as its names joined by commas,
/// a value no name describes as its number; names and numbers are both accepted), else as their number; arrays for lists; objects for maps (keys as strings); null for an
/// absent optional, a null string, bytes, list, map or nested message.</para>
/// <para>Every problem is a <see cref="TetherException"/>: <see cref="TetherErrorCode.InvalidArgument"/> with the JSON path
/// for input that does not fit the shape, a decode code (<see cref="TetherDecodeException"/>) for bytes that do not.</para>
/// </remarks>
public sealed class SchemaJson
{
    private readonly Dictionary<int, MessageShape> _shapes = [];
    private readonly Dictionary<int, CompiledMessage> _compiled = [];
    private readonly Lock _lock = new();

    /// <summary>Builds a codec for <paramref name="messages"/> (every message a method takes or returns, nested ones included).</summary>
    public SchemaJson(IEnumerable<MessageShape> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        foreach (MessageShape shape in messages)
        {
            _shapes.TryAdd(shape.Id, shape);
        }
    }

    /// <summary>Whether the codec knows message <paramref name="messageId"/>.</summary>
    public bool Contains(int messageId) => _shapes.ContainsKey(messageId);

    /// <summary>The shape of message <paramref name="messageId"/>, or null.</summary>
    public MessageShape? Find(int messageId) => _shapes.GetValueOrDefault(messageId);

    /// <summary>Encodes <paramref name="json"/> (an object) as the body of message <paramref name="messageId"/>.</summary>
    /// <exception cref="TetherException"><see cref="TetherErrorCode.InvalidArgument"/>: the JSON is malformed or does not fit the shape.</exception>
    public byte[] Encode(int messageId, string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new TetherException(TetherErrorCode.InvalidArgument, $"The JSON is malformed: {e.Message}", e);
        }

        using (document)
        {
            return Encode(messageId, document.RootElement);
        }
    }

    /// <summary>Encodes <paramref name="value"/> (an object) as the body of message <paramref name="messageId"/>.</summary>
    /// <exception cref="TetherException"><see cref="TetherErrorCode.InvalidArgument"/>: the value does not fit the shape.</exception>
    public byte[] Encode(int messageId, JsonElement value)
    {
        var output = new ArrayBufferWriter<byte>();
        new SchemaJsonEncoder(this).WriteBody(output, Compile(messageId, "$"), value, "$", depth: 0);
        return output.WrittenSpan.ToArray();
    }

    /// <summary>Writes the body of message <paramref name="messageId"/> as a JSON object.</summary>
    /// <exception cref="TetherDecodeException">The bytes are not a valid body of that shape.</exception>
    public void Decode(int messageId, ReadOnlySpan<byte> body, Utf8JsonWriter writer, DecodeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(writer);
        new SchemaJsonDecoder(this, options ?? DecodeOptions.Default).WriteBody(body, Compile(messageId, "$"), writer, depth: 0);
    }

    /// <summary>Returns the body of message <paramref name="messageId"/> as JSON text.</summary>
    /// <exception cref="TetherDecodeException">The bytes are not a valid body of that shape.</exception>
    public string Decode(int messageId, ReadOnlySpan<byte> body, bool indented = false)
    {
        var output = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = indented, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            Decode(messageId, body, writer);
        }

        return Encoding.UTF8.GetString(output.WrittenSpan);
    }

    /// <summary>The message's members with parsed types, made once per message.</summary>
    internal CompiledMessage Compile(int messageId, string path)
    {
        lock (_lock)
        {
            if (_compiled.TryGetValue(messageId, out CompiledMessage? known))
            {
                return known;
            }
        }

        if (!_shapes.TryGetValue(messageId, out MessageShape? shape))
        {
            throw new TetherException(TetherErrorCode.InvalidArgument, $"{path}: message {messageId} has no known shape.");
        }

        var members = new CompiledMember[shape.Members.Count];
        for (int i = 0; i < members.Length; i++)
        {
            MemberShape member = shape.Members[i];
            WireType? type;
            try
            {
                type = WireType.Parse(member.WireType, member.Enums);
            }
            catch (FormatException)
            {
                type = null; // fails only if a value of it must be written or read
            }

            members[i] = new CompiledMember(member.Name, member.WireType, type);
        }

        var compiled = new CompiledMessage(shape, members);
        lock (_lock)
        {
            _compiled.TryAdd(messageId, compiled);
        }

        return compiled;
    }
}

/// <summary>A message shape with its members' types parsed.</summary>
internal sealed record CompiledMessage(MessageShape Shape, CompiledMember[] Members)
{
    /// <summary>The member named <paramref name="name"/> (exactly, else ignoring case), or -1.</summary>
    public int IndexOf(string name)
    {
        int loose = -1;
        for (int i = 0; i < Members.Length; i++)
        {
            if (string.Equals(Members[i].Name, name, StringComparison.Ordinal))
            {
                return i;
            }

            if (loose < 0 && string.Equals(Members[i].Name, name, StringComparison.OrdinalIgnoreCase))
            {
                loose = i;
            }
        }

        return loose;
    }
}

/// <summary>One member: its name, its type as declared and parsed (null when this version cannot read it).</summary>
internal sealed record CompiledMember(string Name, string Declared, WireType? Type)
{
    public WireType Require(string path) => Type
        ?? throw new TetherException(TetherErrorCode.InvalidArgument, $"{path}: member type '{Declared}' is not one this version can encode or decode.");
}
