using System.Text.Json;
using CsCheck;
using Tether.Runtime.Tests.Messages;
using Tether.Runtime.Tests.Support;
using Tether.Schema;

namespace Tether.Runtime.Tests.Schema;

/// <summary>A contract whose capability declaration carries the shapes of every test message (and so every member type).</summary>
[Service(Name = "Shapes")]
public partial interface IShapes
{
    ValueTask<Primitives> Primitives(Primitives value, CancellationToken ct);

    ValueTask<Scalars> Scalars(Scalars value, CancellationToken ct);

    ValueTask<Collections> Collections(Collections value, CancellationToken ct);

    ValueTask<Node> Node(Node value, CancellationToken ct);

    ValueTask<EnumHolder> Enums(EnumHolder value, CancellationToken ct);

    ValueTask<ItemV3> Grown(ItemV3 value, CancellationToken ct);
}

/// <summary>
/// JSON ⇄ wire from shapes alone: for generated values of every member type, the codec's bytes decoded to JSON and
/// encoded back decode (with the generated codec) to the same value; hand-written JSON encodes to the codec's bytes;
/// input that does not fit says where.
/// </summary>
public sealed class SchemaJsonTests
{
    private const int EnumHolderId = 710;
    private const int ItemV3Id = 104;

    private static readonly SchemaJson s_schema = new(IShapes.Descriptor.Messages);

    [Fact]
    public void Every_primitive_survives_wire_to_json_to_wire() => Check(Generators.PrimitiveValues, 300);

    [Fact]
    public void Nullables_strings_and_bytes_survive_wire_to_json_to_wire() => Check(Generators.ScalarValues, 300);

    [Fact]
    public void Collections_maps_and_nested_messages_survive_wire_to_json_to_wire() => Check(Generators.CollectionValues, 60);

    [Fact]
    public void Hand_written_json_encodes_to_the_codecs_bytes()
    {
        var expected = new Collections(
            [1, -2, 3], ["a", null], [0.5], new() { ["x"] = 7 }, new() { [9] = new Order(9, 1, 1.5, "MSFT", true, 0) },
            null, null, new Scalars { MaybeInt = 5, Text = "hé", Bytes = [1, 2, 3] }, [[1], null], [null, 4],
            new() { [Guid.Parse("6f9619ff-8b86-d011-b42d-00c04fc964ff")] = ["g"] });
        const string json = """
            {
              "Numbers": [1, -2, 3], "Names": ["a", null], "ratios": [0.5], "Counts": {"x": 7},
              "OrdersById": {"9": {"Id": 9, "Quantity": 1, "Price": 1.5, "Symbol": "MSFT", "IsBuy": true, "TimestampTicks": 0}},
              "Nested": {"MaybeInt": 5, "Text": "hé", "Bytes": "AQID", "Memory": "", "When": null, "MaybeStruct": null},
              "Jagged": [[1], null], "MaybeNumbers": [null, 4],
              "Groups": {"6f9619ff-8b86-d011-b42d-00c04fc964ff": ["g"]}
            }
            """;

        byte[] encoded = s_schema.Encode(4, json);

        Assert.Equal(TetherCodec.ToArray(expected), encoded);
    }

    [Fact]
    public void Decoded_json_names_members_and_writes_readable_values()
    {
        var value = new Primitives { Int32 = -5, Guid = Guid.Parse("6f9619ff-8b86-d011-b42d-00c04fc964ff"), Double = double.NaN, Int128 = Int128.MaxValue, Char = 'x', Side = Side.Sell };

        using JsonDocument json = JsonDocument.Parse(s_schema.Decode(2, TetherCodec.ToArray(value)));

        JsonElement root = json.RootElement;
        Assert.Equal(-5, root.GetProperty("Int32").GetInt32());
        Assert.Equal("6f9619ff-8b86-d011-b42d-00c04fc964ff", root.GetProperty("Guid").GetString());
        Assert.Equal("NaN", root.GetProperty("Double").GetString());
        Assert.Equal(Int128.MaxValue.ToString(System.Globalization.CultureInfo.InvariantCulture), root.GetProperty("Int128").GetString());
        Assert.Equal("x", root.GetProperty("Char").GetString());
        Assert.Equal("Sell", root.GetProperty("Side").GetString());
    }

    [Fact]
    public void Enums_are_written_as_their_names_their_flags_names_or_a_number_no_name_describes()
    {
        var value = new EnumHolder(
            Access.Read | Access.Admin,
            new() { [Side.Sell] = Access.ReadWrite, [(Side)7] = (Access)4 },
            [Huge.Top, (Huge)5],
            Side.Buy);

        using JsonDocument json = JsonDocument.Parse(s_schema.Decode(EnumHolderId, TetherCodec.ToArray(value)));

        JsonElement root = json.RootElement;
        Assert.Equal("Read, Admin", root.GetProperty("Access").GetString());
        Assert.Equal("ReadWrite", root.GetProperty("BySide").GetProperty("Sell").GetString()); // a combination that has a name of its own
        Assert.Equal(4, root.GetProperty("BySide").GetProperty("7").GetInt32()); // no flag is named 4
        Assert.Equal("Top", root.GetProperty("Huges")[0].GetString());
        Assert.Equal(5UL, root.GetProperty("Huges")[1].GetUInt64());
        Assert.Equal("Buy", root.GetProperty("MaybeSide").GetString());
        Assert.Equal(value.Access, TetherCodec.Decode<EnumHolder>(s_schema.Encode(EnumHolderId, root).AsSpan()).Access);
    }

    [Fact]
    public void Enums_are_read_from_names_in_any_case_flags_joined_by_commas_and_numbers()
    {
        var expected = new EnumHolder(
            Access.Read | Access.Admin, new() { [Side.Sell] = Access.Write, [(Side)7] = Access.None }, [Huge.Top, (Huge)7, (Huge)9], Side.Buy);
        const string json = """
            {"Access": "Read, admin", "BySide": {"Sell": "write", "7": 0}, "Huges": ["Top", 7, "9"], "MaybeSide": "Buy"}
            """;

        Assert.Equal(TetherCodec.ToArray(expected), s_schema.Encode(EnumHolderId, json));
    }

    [Theory]
    [InlineData("""{"Access": "Delete"}""", "$.Access: 'Delete' is not a name of the enum (None, Read, Write, ReadWrite, Admin) nor a number")]
    [InlineData("""{"Access": "Read, Delete"}""", "$.Access: 'Read, Delete' is not a name of the enum")]
    [InlineData("""{"MaybeSide": "Read, Write"}""", "$.MaybeSide: 'Read, Write' is not a name of the enum (Buy, Sell)")] // Side is not [Flags]
    [InlineData("""{"BySide": {"Up": "Read"}}""", "$.BySide[\"Up\"]: 'Up' is not a name of the enum (Buy, Sell)")]
    public void An_enum_name_the_shape_does_not_have_says_which_names_it_has(string json, string expected)
    {
        TetherException error = Assert.Throws<TetherException>(() => s_schema.Encode(EnumHolderId, json));

        Assert.Equal(TetherErrorCode.InvalidArgument, error.Code);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_names_from_an_older_server_enums_are_numbers_and_a_hostile_shapes_values_are_checked()
    {
        MessageShape shape = IShapes.Descriptor.Messages.Single(static m => m.Id == EnumHolderId);
        var unnamed = new SchemaJson([shape with { Members = [.. shape.Members.Select(static m => m with { Enums = null })] }]);
        byte[] bytes = TetherCodec.ToArray(new EnumHolder(Access.Admin, null, null, Side.Sell));

        using JsonDocument json = JsonDocument.Parse(unnamed.Decode(EnumHolderId, bytes));
        Assert.Equal(8, json.RootElement.GetProperty("Access").GetInt32());
        Assert.Equal(-1, json.RootElement.GetProperty("MaybeSide").GetInt32());
        Assert.Throws<TetherException>(() => unnamed.Encode(EnumHolderId, """{"Access": "Admin"}"""));

        // A server that names a value its enum's type cannot hold, and gives fewer values than names.
        var hostile = new SchemaJson([shape with
        {
            Members = [.. shape.Members.Select(static m => m.Name == "Access"
                ? m with { Enums = [new EnumShape("Access", IsFlags: false, ["Big", "Missing"], [1L << 40])] }
                : m)],
        }]);
        TetherException outside = Assert.Throws<TetherException>(() => hostile.Encode(EnumHolderId, """{"Access": "Big"}"""));
        Assert.Contains("outside the enum's uint32", outside.Message, StringComparison.Ordinal);
        Assert.Throws<TetherException>(() => hostile.Encode(EnumHolderId, """{"Access": "Missing"}"""));
        Assert.Contains("\"Access\":8", hostile.Decode(EnumHolderId, bytes), StringComparison.Ordinal);
    }

    [Fact]
    public void Members_an_older_writer_did_not_send_decode_to_their_defaults()
    {
        using JsonDocument json = JsonDocument.Parse(s_schema.Decode(2, [0])); // Primitives with no members at all

        Assert.Equal(0, json.RootElement.GetProperty("Side").GetInt32()); // an enum's default is 0, which Side does not name
        Assert.Equal("00000000-0000-0000-0000-000000000000", json.RootElement.GetProperty("Guid").GetString());
        Assert.Equal(default(Primitives), TetherCodec.Decode<Primitives>(s_schema.Encode(2, json.RootElement).AsSpan()));
    }

    [Fact]
    public void An_optional_struct_message_with_an_empty_body_is_its_default_value_not_null()
    {
        // Scalars: five absent or null members, Memory empty, When absent, then MaybeStruct present with a zero-length body.
        byte[] body = [8, 0, 0, 0, 0, 0, 1, 0, 1, 0];
        Assert.Equal(default(Primitives), TetherCodec.Decode<Scalars>(body.AsSpan()).MaybeStruct); // what the codec reads

        using JsonDocument json = JsonDocument.Parse(s_schema.Decode(3, body));

        Assert.Equal(JsonValueKind.Object, json.RootElement.GetProperty("MaybeStruct").ValueKind);
        Assert.Equal(default(Primitives), TetherCodec.Decode<Scalars>(s_schema.Encode(3, json.RootElement).AsSpan()).MaybeStruct);
    }

    [Fact]
    public void Members_left_out_get_their_defaults()
    {
        byte[] encoded = s_schema.Encode(1, """{"Id": 3}""");

        Assert.Equal(new Order(3, 0, 0, null!, false, 0), TetherCodec.Decode<Order>(encoded));
    }

    [Fact]
    public void Members_left_out_at_the_end_are_not_sent_so_the_reader_gives_them_its_declared_defaults()
    {
        // ItemV3 declares Stock = 1, Weight = 0.5, Unit = "piece", Shelf = -1. Left out after Name: not sent, as by an
        // older writer. Stock left out before Weight, which is given: sent as its type's default.
        byte[] trailing = s_schema.Encode(ItemV3Id, """{"Id": 7, "Name": "widget"}""");
        byte[] inner = s_schema.Encode(ItemV3Id, """{"Id": 7, "Name": "widget", "Weight": 2.5}""");

        Assert.Equal(TetherCodec.ToArray(new ItemV1(7, "widget")), trailing);
        ItemV3 declared = TetherCodec.Decode<ItemV3>(trailing.AsSpan());
        Assert.Equal((1, 0.5, "piece", -1), (declared.Stock, declared.Weight, declared.Unit, declared.Shelf));
        ItemV3 partly = TetherCodec.Decode<ItemV3>(inner.AsSpan());
        Assert.Equal((0, 2.5, "piece", -1), (partly.Stock, partly.Weight, partly.Unit, partly.Shelf));
    }

    [Theory]
    [InlineData("""{"Id": "x"}""", "$.Id: expected an integer, got a string")]
    [InlineData("""{"Quantity": 3000000000}""", "$.Quantity: 3000000000 is outside")]
    [InlineData("""{"Nope": 1}""", "$: Tether.Runtime.Tests.Messages.Order has no member 'Nope'")]
    [InlineData("""[1]""", "$: expected an object")]
    [InlineData("""{"Id": 1,""", "The JSON is malformed")]
    [InlineData("""{"IsBuy": 1}""", "$.IsBuy: expected true or false, got the number 1")]
    public void Json_that_does_not_fit_the_shape_says_where(string json, string expected)
    {
        TetherException error = Assert.Throws<TetherException>(() => s_schema.Encode(1, json));

        Assert.Equal(TetherErrorCode.InvalidArgument, error.Code);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Nested_paths_are_reported()
    {
        TetherException error = Assert.Throws<TetherException>(() => s_schema.Encode(4, """{"Orders": [{"Id": 1}, {"Price": "cheap"}]}"""));

        Assert.Contains("$.Orders[1].Price: expected a number", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bytes_that_are_not_the_shape_fail_with_a_decode_code()
    {
        byte[] order = TetherCodec.ToArray(new Order(1, 2, 3, "ABC", true, 4));

        TetherDecodeException truncated = Assert.Throws<TetherDecodeException>(() => s_schema.Decode(1, order.AsSpan(0, order.Length - 1)));
        Assert.Equal(TetherErrorCode.DecodeTruncated, truncated.Code);
        TetherDecodeException cut = Assert.Throws<TetherDecodeException>(() => s_schema.Decode(1, order.AsSpan(0, order.Length - 3)));
        Assert.Equal(TetherErrorCode.DecodeLengthOutOfRange, cut.Code); // the symbol's length runs past the end
    }

    [Fact]
    public void Nesting_is_limited_exactly_where_the_codec_limits_it()
    {
        byte[] deepest = TetherCodec.ToArray(Chain(DecodeOptions.Default.MaxDepth)); // MaxDepth levels below the top
        byte[] tooDeep = TetherCodec.ToArray(Chain(DecodeOptions.Default.MaxDepth + 1));

        Assert.NotNull(TetherCodec.Decode<Node>(deepest.AsSpan()));
        Assert.StartsWith("{", s_schema.Decode(5, deepest), StringComparison.Ordinal);
        Assert.Equal(TetherErrorCode.DecodeDepthExceeded, Assert.Throws<TetherDecodeException>(() => TetherCodec.Decode<Node>(tooDeep.AsSpan())).Code);
        Assert.Equal(TetherErrorCode.DecodeDepthExceeded, Assert.Throws<TetherDecodeException>(() => s_schema.Decode(5, tooDeep)).Code);

        static Node Chain(int nested)
        {
            var node = new Node { Value = 0 };
            for (int i = 1; i <= nested; i++)
            {
                node = new Node { Value = i, Child = node };
            }

            return node;
        }
    }

    [Fact]
    public void Bytes_after_the_members_are_refused_as_the_codec_refuses_them()
    {
        byte[] order = [.. TetherCodec.ToArray(new Order(1, 2, 3, "ABC", true, 4)), 0x00];
        byte[] newer = [7, .. TetherCodec.ToArray(new Order(1, 2, 3, "ABC", true, 4)).AsSpan(1), 0x05]; // a seventh member this shape lacks

        Assert.Equal(TetherErrorCode.DecodeLengthMismatch, Assert.Throws<TetherDecodeException>(() => TetherCodec.Decode<Order>(order.AsSpan())).Code);
        Assert.Equal(TetherErrorCode.DecodeLengthMismatch, Assert.Throws<TetherDecodeException>(() => s_schema.Decode(1, order)).Code);
        Assert.Equal(TetherCodec.Decode<Order>(newer.AsSpan()), TetherCodec.Decode<Order>(s_schema.Encode(1, s_schema.Decode(1, newer)).AsSpan()));
    }

    [Fact]
    public void An_unknown_message_is_an_invalid_argument()
    {
        TetherException error = Assert.Throws<TetherException>(() => s_schema.Encode(999, "{}"));
        Assert.Equal(TetherErrorCode.InvalidArgument, error.Code);
    }

    private static void Check<T>(Gen<T> values, int iterations)
        where T : IMessage<T>
        => values.Sample(value =>
        {
            byte[] bytes = TetherCodec.ToArray(value);
            string json = s_schema.Decode(T.MessageId, bytes);
            byte[] again = s_schema.Encode(T.MessageId, json);
            DeepEqual.AssertEqual(value, TetherCodec.Decode<T>(again.AsSpan()));
        }, iter: iterations, threads: 1);
}
