using System.Text.Json;

namespace Tether.Cli.Tests;

/// <summary><c>tether inspect</c> and <c>tether call</c> as processes against a real server: output, JSON round trips, and every failure's exit code and text.</summary>
public sealed class CallTests
{
    private static readonly AllTypes s_everything = new(
        true, byte.MaxValue, sbyte.MinValue, short.MinValue, ushort.MaxValue, int.MinValue, uint.MaxValue, long.MinValue, ulong.MaxValue,
        -5, 7, 'é', 0.25f, -1.5e300, (Half)0.5, 12.345m, Int128.MinValue, UInt128.MaxValue,
        Guid.Parse("6f9619ff-8b86-d011-b42d-00c04fc964ff"), new DateTime(2026, 12, 3, 10, 0, 0, DateTimeKind.Utc),
        new DateTimeOffset(2026, 12, 3, 10, 0, 0, TimeSpan.FromHours(2)), new TimeSpan(1, 2, 3, 4, 500), Mood.Loud, null, 7,
        "héllo \"quoted\"", null, [1, 2, 3], new byte[] { 4, 5 }, [1, -2], ["a", "b"], [new Inner(1, "x"), new Inner(2, null)],
        new() { ["a"] = 1 }, new() { [3] = new Inner(3, "z") }, new Inner(9, "n"), null);

    private const string EverythingJson = """
        {
          "Bool": true, "Byte": 255, "SByte": -128, "Int16": -32768, "UInt16": 65535, "Int32": -2147483648, "UInt32": 4294967295,
          "Int64": -9223372036854775808, "UInt64": 18446744073709551615, "NInt": -5, "NUInt": 7, "Char": "é", "Single": 0.25,
          "Double": -1.5e300, "Half": 0.5, "Decimal": 12.345, "Int128": "-170141183460469231731687303715884105728",
          "UInt128": "340282366920938463463374607431768211455", "Guid": "6f9619ff-8b86-d011-b42d-00c04fc964ff",
          "DateTime": "2026-12-03T10:00:00.0000000Z", "DateTimeOffset": "2026-12-03T10:00:00.0000000+02:00", "TimeSpan": "1.02:03:04.5000000",
          "Mood": "Loud", "MaybeMood": null, "MaybeInt": 7, "Text": "héllo \"quoted\"", "NoText": null, "Bytes": "AQID", "Memory": "BAU=",
          "Numbers": [1, -2], "Names": ["a", "b"], "Inners": [{"Level": 1, "Label": "x"}, {"Level": 2, "Label": null}],
          "Counts": {"a": 1}, "InnersById": {"3": {"Level": 3, "Label": "z"}}, "Nested": {"Level": 9, "Label": "n"}, "Missing": null
        }
        """;

    [Fact]
    public async Task Inspect_lists_services_methods_and_message_shapes_as_a_table_and_as_json()
    {
        await using KitchenServer server = await KitchenServer.StartAsync();

        ToolResult table = await ToolRunner.RunAsync("inspect", "--server", server.Address);
        ToolResult json = await ToolRunner.RunAsync("inspect", "Kitchen", "-s", server.Address, "--output", "json");

        Assert.True(table.ExitCode == 0, table.ToString());
        Assert.Matches(@"Kitchen\s+1\s+Count\s+server-stream\s+\d+\s+CountRequest\s+Tick", table.Output);
        Assert.Matches(@"Kitchen\s+1\s+Post\s+one-way", table.Output);
        Assert.Matches(@"Kitchen\s+1\s+Tally\s+client-stream\s+\d+\s+Tick\s+Tick", table.Output);
        Assert.Matches(@"Kitchen\s+1\s+Mirror\s+bidirectional-stream", table.Output);
        Assert.Matches(@"Old\s+unary\s+\d+\s+CountRequest\s+Tick\s+Use Count\.", table.Output);
        Assert.Contains("Inner", table.Output, StringComparison.Ordinal);
        Assert.Contains("Level int32, Label string", table.Output, StringComparison.Ordinal);
        Assert.Matches(@"Kitchen\s+1\s+Slow v2\s+unary", table.Output);
        Assert.Matches(@"Kitchen/Stale\s+\d+\s+Use Echo\.", table.Output);
        Assert.DoesNotContain("tether.Introspection", table.Output, StringComparison.Ordinal); // built-ins only with --all
        Assert.True(json.ExitCode == 0, json.ToString());
        using JsonDocument document = JsonDocument.Parse(json.Output);
        JsonElement kitchen = Assert.Single(document.RootElement.GetProperty("services").EnumerateArray());
        JsonElement echo = kitchen.GetProperty("methods").EnumerateArray().Single(static m => m.GetProperty("name").GetString() == "Echo");
        Assert.Equal(IKitchen.Descriptor.Methods.Single(static m => m.Name == "Echo").Id, echo.GetProperty("id").GetInt32());
        Assert.Equal("unary", echo.GetProperty("kind").GetString());
        JsonElement allTypes = kitchen.GetProperty("messages").EnumerateArray().Single(static m => m.GetProperty("id").GetInt32() == 2);
        Assert.Equal(36, allTypes.GetProperty("members").GetArrayLength());
        Assert.Contains(allTypes.GetProperty("members").EnumerateArray(), static m => m.GetProperty("type").GetString() == "map<int32,message:1>");
        JsonElement mood = allTypes.GetProperty("members").EnumerateArray().Single(static m => m.GetProperty("name").GetString() == "Mood");
        JsonElement moodEnum = Assert.Single(mood.GetProperty("enums").EnumerateArray());
        Assert.Equal("Tether.Cli.Tests.Mood", moodEnum.GetProperty("type").GetString());
        Assert.Equal(-300, moodEnum.GetProperty("values").GetProperty("Loud").GetInt32());
    }

    [Fact]
    public async Task A_unary_call_round_trips_every_member_type_through_json()
    {
        await using KitchenServer server = await KitchenServer.StartAsync();

        ToolResult result = await ToolRunner.RunAsync("call", "Kitchen/Echo", EverythingJson, "-s", server.Address, "-o", "json");

        Assert.True(result.ExitCode == 0, result.ToString());
        AllTypes received = await server.Handler.Echoed.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(TetherCodec.ToArray(s_everything), TetherCodec.ToArray(received)); // the server got exactly the typed value
        JsonAssert.Equivalent(EverythingJson, result.Output); // and the reply printed back is the same JSON
        Assert.DoesNotContain('\n', result.Output.TrimEnd()); // --output json: one line
    }

    [Fact]
    public async Task The_request_can_come_from_standard_input_or_a_file()
    {
        await using KitchenServer server = await KitchenServer.StartAsync();
        string file = Path.Combine(Directory.CreateTempSubdirectory("tether-cli").FullName, "request.json");
        await File.WriteAllTextAsync(file, """{"To": 2}""");

        ToolResult fromStdin = await ToolRunner.RunAsync(["call", "Kitchen/Old", "-", "-s", server.Address], null, """{"To": 5}""");
        ToolResult fromFile = await ToolRunner.RunAsync("call", "Kitchen/Old", "--data", file, "-s", server.Address);

        Assert.True(fromStdin.ExitCode == 0, fromStdin.ToString());
        JsonAssert.Equivalent("""{"Value": 5}""", fromStdin.Output);
        Assert.Contains("warning: Kitchen/Old is deprecated: Use Count.", fromStdin.Error, StringComparison.Ordinal);
        JsonAssert.Equivalent("""{"Value": 2}""", fromFile.Output);
    }

    [Fact]
    public async Task A_server_stream_prints_one_json_line_per_item_and_a_one_way_send_arrives()
    {
        await using KitchenServer server = await KitchenServer.StartAsync();

        ToolResult stream = await ToolRunner.RunAsync("call", "Kitchen/Count", """{"To": 3}""", "-s", server.Address);
        ToolResult post = await ToolRunner.RunAsync("call", "Kitchen/Post", """{"Text": "hi"}""", "-s", server.Address);

        Assert.True(stream.ExitCode == 0, stream.ToString());
        Assert.Equal(["""{"Value":1}""", """{"Value":2}""", """{"Value":3}"""], stream.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.True(post.ExitCode == 0, post.ToString());
        Assert.Equal("", post.Output);
        Assert.Equal(new Note("hi"), await server.Handler.Posted.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Theory]
    [InlineData("Kitchen/Echo", """{"Bool": 1}""", 2, "error: The request does not fit Kitchen/Echo: $.Bool: expected true or false, got the number 1.")]
    [InlineData("Kitchen/Echo", """{"Bool": tru""", 2, "error: The request does not fit Kitchen/Echo: The JSON is malformed")]
    [InlineData("Kitchen/Echo", """{"Nested": {"Level": "deep"}}""", 2, "$.Nested.Level: expected an integer, got a string")]
    [InlineData("Kitchen/Nope", "{}", 2, "error: Service 'Kitchen' has no method 'Nope'; it has ")]
    [InlineData("Kitchen/Stale", "{}", 2, "error: Kitchen/Stale was removed from the service: Use Echo.")]
    [InlineData("Pantry/Echo", "{}", 2, "error: The server has no service 'Pantry'; it has Kitchen.")]
    [InlineData("Echo", "{}", 2, "error: 'Echo' does not name a method: use SERVICE/METHOD")]
    [InlineData("Kitchen/Secret", "{}", 4, "error 6001 auth.unauthenticated:")]
    [InlineData("Kitchen/Missing", """{"To": 9}""", 1, "error 2008 dispatch.not_found: Nothing numbered 9.")]
    [InlineData("Kitchen/Tally", """{"Value": 1}""", 2, "error: Kitchen/Tally takes a request stream (client-stream); tether call sends one message and cannot call it.")]
    public async Task Failures_print_their_code_and_name_and_exit_with_the_documented_code(string method, string json, int exitCode, string message)
    {
        await using KitchenServer server = await KitchenServer.StartAsync();

        ToolResult result = await ToolRunner.RunAsync("call", method, json, "-s", server.Address);

        Assert.True(result.ExitCode == exitCode, result.ToString());
        Assert.Contains(message, result.Error, StringComparison.Ordinal);
        Assert.Equal("", result.Output);
    }

    [Fact]
    public async Task A_deadline_that_passes_exits_with_its_own_code()
    {
        await using KitchenServer server = await KitchenServer.StartAsync();

        ToolResult result = await ToolRunner.RunAsync("call", "Kitchen/Slow", "{}", "-s", server.Address, "--deadline", "200ms");

        Assert.True(result.ExitCode == 5, result.ToString());
        Assert.Contains("error 2004 dispatch.call_timed_out", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_server_and_a_bad_command_line_have_their_own_codes()
    {
        await using KitchenServer server = await KitchenServer.StartAsync();
        string closedPort = server.Address;
        await server.Server.StopAsync();

        ToolResult unreachable = await ToolRunner.RunAsync("inspect", "-s", closedPort);
        ToolResult noServer = await ToolRunner.RunAsync("inspect");
        ToolResult unknownCommand = await ToolRunner.RunAsync("frobnicate");

        Assert.True(unreachable.ExitCode == 3, unreachable.ToString());
        Assert.Contains("error 3007 protocol.connect_failed", unreachable.Error, StringComparison.Ordinal);
        Assert.True(noServer.ExitCode == 2, noServer.ToString());
        Assert.Contains("No server given", noServer.Error, StringComparison.Ordinal);
        Assert.True(unknownCommand.ExitCode == 2, unknownCommand.ToString());
    }
}
