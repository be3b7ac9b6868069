using Microsoft.CodeAnalysis.Testing;
using Tether.Analyzers.Messages;

namespace Tether.Analyzers.Tests.Rules;

/// <summary>TETH1001–1009, one test per rule named by its id, and valid code that reports nothing.</summary>
public sealed class MessageRuleTests
{
    [Fact]
    public Task TETH1001_message_not_partial() =>
        Verify.NoDiagnosticsAsync<MessageAnalyzer>("""
            [Message(1)] public record {|TETH1001:Order|}(int Id);
            """);

    [Fact]
    public Task TETH1001_containing_type_not_partial() =>
        Verify.NoDiagnosticsAsync<MessageAnalyzer>("""
            public static class Outer { [Message(1)] public partial record {|TETH1001:Order|}(int Id); }
            """);

    [Fact]
    public Task TETH1002_unsupported_member_names_member_and_supported_set() =>
        Verify.AnalyzerAsync<MessageAnalyzer>(
            """
            [Message(1)] public partial record Order(int Id, Uri {|#0:Where|});
            """,
            Verify.Diagnostic(Descriptors.UnsupportedMemberType).WithLocation(0).WithArguments("Where", "Order", "System.Uri"));

    [Fact]
    public Task TETH1003_generic_message() =>
        Verify.NoDiagnosticsAsync<MessageAnalyzer>("""
            [Message(1)] public partial record {|TETH1003:Box|}<T>(T Value);
            """);

    [Fact]
    public Task TETH1004_message_not_constructible() =>
        Verify.NoDiagnosticsAsync<MessageAnalyzer>("""
            [Message(1)] public partial class {|TETH1004:Order|}
            {
                public Order(string unrelated) { }
                public int Id { get; set; }
            }
            """);

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    [InlineData(1073741824)]
    public Task TETH1005_message_id_out_of_range_or_reserved(int id) =>
        Verify.AnalyzerAsync<MessageAnalyzer>(
            $$"""
            [Message({{id}})] public partial record {|#0:Order|}(int Id);
            """,
            Verify.Diagnostic(Descriptors.MessageIdOutOfRange).WithLocation(0).WithArguments("Order", id.ToString(System.Globalization.CultureInfo.InvariantCulture)));

    [Fact]
    public Task TETH1006_duplicate_message_id_is_reported_at_both_types() =>
        Verify.AnalyzerAsync<DuplicateMessageIdAnalyzer>(
            """
            [Message(7)] public partial record {|#0:Order|}(long Id);
            [Message(7)] public partial record {|#1:Cancel|}(long Id);
            """,
            Verify.Diagnostic(Descriptors.DuplicateMessageId).WithLocation(0).WithArguments(7, "Order", "Cancel"),
            Verify.Diagnostic(Descriptors.DuplicateMessageId).WithLocation(1).WithArguments(7, "Cancel", "Order"));

    [Fact]
    public Task Valid_messages_report_nothing() =>
        Verify.NoDiagnosticsAsync<MessageAnalyzer>("""
            public enum Side { Buy, Sell }
            [Message(1)] public partial record Line(string Sku, int Quantity);
            [Message(2)] public partial record Order(long Id, Side Side, List<Line> Lines, Dictionary<string, decimal>? Prices, ReadOnlyMemory<byte> Blob);
            [Message(3)] public partial struct Tick { public double Price { get; init; } }
            [Message(4)] public partial class Legacy { public int Id { get; set; } [MessageIgnore] public Uri? Cache { get; set; } }
            public static partial class Outer { [Message(1073741823)] public partial record Last(int Id); }
            """);

    [Fact]
    public Task Unique_ids_report_nothing() =>
        Verify.NoDiagnosticsAsync<DuplicateMessageIdAnalyzer>("""
            [Message(7)] public partial record Order(long Id);
            [Message(8)] public partial record Cancel(long Id);
            """);
}
