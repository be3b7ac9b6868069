using Microsoft.CodeAnalysis.Testing;
using Tether.Analyzers.Messages;

namespace Tether.Analyzers.Tests.Rules;

/// <summary>TETH1007–1008: version tracking against <c>TetherMessages.Shipped.txt</c> (opt-in).</summary>
public sealed class ShippedShapeRuleTests
{
    private const string Shipped = """
        # shipped in 1.0
        7 Order(Id: int64, Customer: string, Lines: list<message:12>, Prices: map<string,decimal>)
        12 Line(Sku: string, Quantity: int32)
        9 retired
        """;

    private const string Line = "[Message(12)] public partial record Line(string Sku, int Quantity);\n";

    [Fact]
    public Task Appending_members_is_compatible() =>
        Run(Line + """
            [Message(7)] public partial record Order(long Id, string Customer, List<Line> Lines, Dictionary<string, decimal> Prices, string? Note);
            """);

    [Fact]
    public Task Without_the_file_nothing_is_tracked() =>
        Verify.NoDiagnosticsAsync<MessageAnalyzer>("""
            [Message(7)] public partial record Order(string Customer);
            """);

    [Theory]
    [InlineData("long Id, string {|#0:Buyer|}, List<Line> Lines, Dictionary<string, decimal> Prices", "'Customer: string' at position 2 was removed or renamed (now 'Buyer: string')")]
    [InlineData("long Id, List<Line> Lines, string {|#0:Customer|}, Dictionary<string, decimal> Prices", "'Customer' moved from position 2 to 3")]
    [InlineData("int {|#0:Id|}, string Customer, List<Line> Lines, Dictionary<string, decimal> Prices", "'Id' changed from int64 to int32")]
    [InlineData("long Id, string Customer, List<Line> Lines", "'Prices: map<string,decimal>' at position 4 was removed")]
    public Task TETH1007_member_removed_reordered_or_retyped(string members, string problem)
    {
        bool atMember = members.Contains("{|#0:", StringComparison.Ordinal);
        string name = atMember ? "Order" : "{|#0:Order|}";
        return Run(
            Line + $"[Message(7)] public partial record {name}({members});",
            Verify.Diagnostic(Descriptors.ShippedShapeChanged).WithLocation(0).WithArguments("Order", 7, problem));
    }

    [Fact]
    public Task TETH1008_shipped_message_missing()
    {
        var test = new AnalyzerTest<MessageAnalyzer>(
            "[Message(3)] public partial record Ping(int Id);",
            ("/0/TetherMessages.Shipped.txt", "3 Ping(Id: int32)\n4 Pong(Id: int32)\n"));
        test.ExpectedDiagnostics.Add(Verify.Diagnostic(Descriptors.ShippedMessageMissing).WithSpan("/0/TetherMessages.Shipped.txt", 2, 1, 2, 18)
            .WithArguments("Message id 4 ('Pong') is listed in TetherMessages.Shipped.txt but no message declares it; deployed peers may still send it, so keep it or mark the line '4 retired'"));
        return test.RunAsync();
    }

    [Fact]
    public Task TETH1008_retired_id_reused() =>
        Run(
            Line + """
            [Message(7)] public partial record Order(long Id, string Customer, List<Line> Lines, Dictionary<string, decimal> Prices);
            [Message(9)] public partial record {|#0:Refund|}(long OrderId);
            """,
            Verify.Diagnostic(Descriptors.ShippedMessageMissing).WithLocation(0)
                .WithArguments("Message 'Refund' uses id 9, which TetherMessages.Shipped.txt lists as retired; deployed peers may still send the old message, so give it a new id"));

    [Fact]
    public Task TETH1008_unreadable_line_is_reported_not_ignored()
    {
        var test = new AnalyzerTest<MessageAnalyzer>(
            "[Message(3)] public partial record Ping(int Id);",
            ("/0/TetherMessages.Shipped.txt", "3 Ping(Id: int32)\nthree Pong()\n"));
        test.ExpectedDiagnostics.Add(Verify.Diagnostic(Descriptors.ShippedMessageMissing).WithSpan("/0/TetherMessages.Shipped.txt", 2, 1, 2, 13)
            .WithArguments("Line 2 of TetherMessages.Shipped.txt cannot be read: expected '<id> <Name>(<member>: <wire type>, ...)' or '<id> retired'"));
        return test.RunAsync();
    }

    private static Task Run(string source, params DiagnosticResult[] expected)
    {
        var test = new AnalyzerTest<MessageAnalyzer>(source, ("/0/TetherMessages.Shipped.txt", Shipped));
        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync();
    }
}
