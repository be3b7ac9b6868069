using Microsoft.CodeAnalysis;

namespace Tether.Generators.Tests;

/// <summary>
/// One test per problem the parsers find, named by the rule Tether.Analyzers reports for it: the
/// generator itself reports nothing and throws nothing, and emits no code for the broken type (so the
/// user sees the analyzer's error at the cause, not compile errors in generated code).
/// </summary>
public sealed class SkippedInputTests
{
    [Fact]
    public void TETH1001_message_not_partial() =>
        AssertSkipped("Order", """
            using Tether;
            [Message(1)] public record Order(int Id);
            """);

    [Fact]
    public void TETH1001_containing_type_not_partial() =>
        AssertSkipped("Order", """
            using Tether;
            public static class Outer { [Message(1)] public partial record Order(int Id); }
            """);

    [Fact]
    public void TETH1002_unsupported_member_type() =>
        AssertSkipped("Order", """
            using Tether;
            [Message(1)] public partial record Order(int Id, System.Uri Where);
            """);

    [Fact]
    public void TETH1003_generic_message() =>
        AssertSkipped("Box", """
            using Tether;
            [Message(1)] public partial record Box<T>(T Value);
            """);

    [Fact]
    public void TETH1004_message_not_constructible() =>
        AssertSkipped("Order", """
            using Tether;
            [Message(1)] public partial class Order
            {
                public Order(string unrelated) { }
                public int Id { get; set; }
            }
            """);

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    [InlineData(1073741824)]
    public void TETH1005_message_id_out_of_range(int id) =>
        AssertSkipped("Order", $$"""
            using Tether;
            [Message({{id}})] public partial record Order(int Id);
            """);

    [Fact]
    public void TETH2001_handler_not_partial() =>
        AssertSkipped("Orders", """
            using Tether;
            [Message(1)] public partial record Order(int Id);
            [Handler] public class Orders { public void Place(Order order) { } }
            """);

    [Theory]
    [InlineData("public async void Place(Order order) { await System.Threading.Tasks.Task.Yield(); }")]
    [InlineData("public void Place(Order order, int extra) { }")]
    [InlineData("public void Place(Order order, Order again) { }")]
    [InlineData("public void Place(ref Order order) { }")]
    [InlineData("public string Place(Order order) => \"\";")]
    [InlineData("public System.Threading.Tasks.ValueTask<string> Place(Order order) => default;")]
    [InlineData("public void Place<T>(Order order) { }")]
    public void TETH2002_handler_method_not_dispatchable(string method) =>
        AssertSkipped("Orders", $$"""
            using Tether;
            [Message(1)] public partial record Order(int Id);
            [Handler] public partial class Orders { {{method}} }
            """);

    [Fact]
    public void TETH2006_two_methods_with_one_id() =>
        AssertSkipped("Orders", """
            using Tether;
            [Message(1)] public partial record Order(int Id);
            [Handler] public partial class Orders
            {
                [Method(Id = 3)] public void Place(Order order) { }
                [Method(Id = 3)] public void Again(Order order) { }
            }
            """);

    [Fact]
    public void TETH2007_a_service_member_no_kind_fits() =>
        AssertSkipped("IOrders", """
            using Tether;
            [Message(1)] public partial record Order(int Id);
            [Service] public partial interface IOrders { string Place(Order order); }
            """);

    [Fact]
    public void TETH2008_a_handler_that_differs_from_its_service() =>
        AssertSkipped("Orders", """
            using System.Threading.Tasks;
            using Tether;
            [Message(1)] public partial record Order(int Id);
            [Service] public partial interface IOrders { ValueTask Place(Order order); }
            [Handler] public partial class Orders : IOrders { [OneWay] public ValueTask Place(Order order) => default; }
            """);

    [Fact]
    public void TETH2009_service_not_partial() =>
        AssertSkipped("IOrders", """
            using Tether;
            [Message(1)] public partial record Order(int Id);
            [Service] public interface IOrders { void Place(Order order); }
            """);

    [Fact]
    public void Valid_messages_and_handlers_report_nothing_and_compile_cleanly()
    {
        var (output, diagnostics, _) = GeneratorHarness.Run(Sources.Valid);
        Assert.Empty(diagnostics);
        Assert.Empty(GeneratorHarness.Errors(output));
    }

    [Fact]
    public void A_HandlerIgnore_method_is_not_dispatched()
    {
        var (output, diagnostics, result) = GeneratorHarness.Run("""
            using Tether;
            [Message(1)] public partial record Order(int Id);
            [Handler] public partial class Orders
            {
                public void Place(Order order) { }
                [HandlerIgnore] public bool TryPeek(Order order, out int id) { id = order.Id; return true; }
            }
            """);
        Assert.Empty(diagnostics);
        Assert.Empty(GeneratorHarness.Errors(output));
        string dispatch = result.Results[0].GeneratedSources.Single(static s => s.HintName.Contains("Dispatch", StringComparison.Ordinal)).SourceText.ToString();
        Assert.Contains("Place(", dispatch, StringComparison.Ordinal);
        Assert.DoesNotContain("TryPeek", dispatch, StringComparison.Ordinal);
    }

    private static void AssertSkipped(string brokenType, string source)
    {
        var (output, diagnostics, result) = GeneratorHarness.Run(source);
        Assert.Empty(diagnostics);
        Assert.Null(result.Results[0].Exception);

        // The broken type gets no generated file (the analyzer reports the test's rule for it); the rest still compiles.
        Assert.DoesNotContain(result.Results[0].GeneratedSources, s => s.HintName.StartsWith(brokenType + ".", StringComparison.Ordinal) || s.HintName.StartsWith(brokenType + "_", StringComparison.Ordinal));
        Assert.Empty(GeneratorHarness.Errors(output));
    }
}
