using System.Reflection;

namespace Tether.Generators.Tests;

/// <summary>The generated code compiles without warnings and runs.</summary>
public sealed class ExecutionTests
{
    [Fact]
    public void Generated_codecs_compile_and_round_trip()
    {
        var (output, diagnostics, _) = GeneratorHarness.Run(Sources.Valid);
        Assert.Empty(diagnostics);
        Assert.Empty(GeneratorHarness.Errors(output));

        Assembly assembly = GeneratorHarness.EmitAndLoad(output);
        string result = (string)assembly.GetType("Shop.Probe")!.GetMethod("Run")!.Invoke(null, null)!;

        Assert.StartsWith("Order { Id = 1, Quantity = 2, Price = 3.5, Symbol = ABC, IsBuy = True, TimestampTicks = 42 }|1,2,3|Tick { Sequence = 9, Side = Sell, Limit = 1.25, Id = 00000000-0000-0000-0000-000000000000 }|7|", result, StringComparison.Ordinal);
    }

    [Fact]
    public void Readonly_structs_internal_types_and_keyword_names_compile()
    {
        var (output, diagnostics, _) = GeneratorHarness.Run("""
            using Tether;
            namespace Edge;
            [Message(1)] public readonly partial record struct Point(int X, int Y);
            [Message(2)] internal readonly partial struct Cell { public Cell(int @class) { this.@class = @class; } public int @class { get; } }
            internal partial struct Holder
            {
                [Message(3)] internal sealed partial class Inner { public Point? Where { get; set; } public Cell Cell { get; init; } }
            }
            """);
        Assert.Empty(diagnostics);
        Assert.Empty(GeneratorHarness.Errors(output));
    }

    [Fact]
    public void Members_a_writer_did_not_know_decode_to_their_constructor_defaults_and_initializers()
    {
        // Every kind of constant a parameter default can be, written back as C#; then a message with no members decoded
        // as one with all of them (what an old writer sends a newer reader), and one with all of them sent.
        var (output, diagnostics, _) = GeneratorHarness.Run("""
            using System;
            using Tether;
            namespace Grow;
            public enum Level : short { Low = -3, High = 9 }
            [Message(1)] public sealed partial record Before();
            [Message(2)] public sealed partial record After(
                int Count = 5, long Min = long.MinValue, ulong Max = ulong.MaxValue, double Ratio = double.NaN,
                float Scale = -1.5f, decimal Fee = 0.25m, bool On = true, char Mark = '\'', string Name = "a\"b\n",
                Level Level = Level.Low, Level? Maybe = Level.High, int? Some = 7, string? None = null, DateTime When = default)
            {
                public int Limit { get; init; } = 10;
                public string Note = "note";
                public int Plain { get; set; }
                public required int Needed { get; init; } = 3;
            }
            public static class Probe
            {
                public static string Run()
                {
                    After absent = TetherCodec.Decode<After>(TetherCodec.ToArray(new Before()).AsSpan());
                    After sent = TetherCodec.Decode<After>(TetherCodec.ToArray(
                        new After(0, 0, 0, 0, 0, 0, false, 'x', "", Level.High, null, null, null, default) { Limit = 0, Note = "", Plain = 1, Needed = 2 }).AsSpan());
                    return Describe(absent) + "|" + Describe(sent);
                }

                private static string Describe(After a) => FormattableString.Invariant(
                    $"{a.Count},{a.Min},{a.Max},{a.Ratio},{a.Scale},{a.Fee},{a.On},{a.Mark},{a.Name},{a.Level},{a.Maybe},{a.Some},{a.None ?? "null"},{a.When.Ticks},{a.Limit},{a.Note},{a.Plain},{a.Needed}");
            }
            """);
        Assert.Empty(diagnostics);
        Assert.Empty(GeneratorHarness.Errors(output));

        Assembly assembly = GeneratorHarness.EmitAndLoad(output);
        string result = (string)assembly.GetType("Grow.Probe")!.GetMethod("Run")!.Invoke(null, null)!;

        // A required member is always set (an object initializer must), so an absent one is default(T), not its initializer.
        Assert.Equal(
            "5,-9223372036854775808,18446744073709551615,NaN,-1.5,0.25,True,',a\"b\n,Low,High,7,null,0,10,note,0,0"
            + "|0,0,0,0,0,0,False,x,,High,,,null,0,0,,1,2",
            result);
    }

    [Fact]
    public void Generated_handler_implements_the_dispatch_contract()
    {
        var (output, _, _) = GeneratorHarness.Run(Sources.Valid);
        Assembly assembly = GeneratorHarness.EmitAndLoad(output);
        Type handler = assembly.GetType("Shop.ShopHandler")!;
        Assert.Contains(handler.GetInterfaces(), static i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IMessageHandler<>));
    }

    [Fact]
    public void A_service_interface_gets_its_declaration_and_client_and_its_handler_the_same_contract()
    {
        var (output, _, _) = GeneratorHarness.Run(Sources.Valid);
        Assert.Empty(GeneratorHarness.Errors(output));
        Assembly assembly = GeneratorHarness.EmitAndLoad(output);
        Type service = assembly.GetType("Shop.IDesk")!;
        var declared = (ServiceDescriptor)service.GetProperty("Descriptor")!.GetValue(null)!;

        Assert.Equal("Desk", declared.Name);
        Assert.Equal(
            [("Audit", MethodKind.OneWay), ("Clear", MethodKind.Unary), ("Drop", MethodKind.OneWay),
             ("Quote", MethodKind.Unary), ("Trade", MethodKind.BidirectionalStreaming), ("Upload", MethodKind.ClientStreaming),
             ("Watch", MethodKind.ServerStreaming)],
            declared.Methods.OrderBy(static m => m.Name).Select(static m => (m.Name, m.Kind)));
        Assert.Equal(40, declared.Methods.Single(static m => m.Name == "Clear").Id);
        Assert.Equal(MethodIds.Derive("Desk", "Quote"), declared.Methods.Single(static m => m.Name == "Quote").Id);

        Type handler = assembly.GetType("Shop.DeskHandler")!;
        var implemented = (ServiceDescriptor)typeof(HandlerDispatch).GetMethod(nameof(HandlerDispatch.Describe))!
            .MakeGenericMethod(handler).Invoke(null, null)!;
        Assert.Equal(declared.Methods, implemented.Methods);

        // The client: two overloads per contract method under the interface, one taking a token, one per-call options; a method
        // taking a request stream also opens as a call object (Open{Name}), again with a token or options.
        Type client = service.GetNestedType("Client")!;
        MethodInfo[] calls = client.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly);
        Assert.Equal(["Audit", "Clear", "Drop", "OpenTrade", "OpenUpload", "Quote", "Trade", "Upload", "Watch"], calls.Select(static m => m.Name).Distinct().Order());
        Assert.Equal(typeof(DuplexStreamingCall<,>), client.GetMethod("OpenTrade", [typeof(CancellationToken)])!.ReturnType.GetGenericTypeDefinition());
        Assert.Equal(typeof(ClientStreamingCall<,>), client.GetMethod("OpenUpload", [typeof(CancellationToken)])!.ReturnType.GetGenericTypeDefinition());
        foreach (IGrouping<string, MethodInfo> overloads in calls.GroupBy(static m => m.Name))
        {
            Assert.Equal([typeof(CallOptions), typeof(CancellationToken)],
                overloads.Select(static m => m.GetParameters().Last().ParameterType).OrderBy(static t => t.Name));
        }
    }
}
