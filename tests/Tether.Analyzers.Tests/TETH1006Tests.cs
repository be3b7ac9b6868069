using Microsoft.CodeAnalysis.Testing;

namespace Tether.Analyzers.Tests;

public sealed class TETH1006Tests
{
    [Fact]
    public async Task TETH1006_duplicate_message_id_is_reported_at_both_types()
    {
        var test = new AnalyzerTest<DuplicateMessageIdAnalyzer>("""
            using Tether;
            [Message(7)] public partial record {|#0:Order|}(long Id);
            [Message(7)] public partial record {|#1:Cancel|}(long Id);
            """);
        test.ExpectedDiagnostics.Add(new DiagnosticResult(Descriptors.DuplicateMessageId).WithLocation(0).WithArguments(7, "Order", "Cancel"));
        test.ExpectedDiagnostics.Add(new DiagnosticResult(Descriptors.DuplicateMessageId).WithLocation(1).WithArguments(7, "Cancel", "Order"));
        await test.RunAsync();
    }

    [Fact]
    public async Task TETH1006_unique_ids_report_nothing()
    {
        await new AnalyzerTest<DuplicateMessageIdAnalyzer>("""
            using Tether;
            [Message(7)] public partial record Order(long Id);
            [Message(8)] public partial record Cancel(long Id);
            """).RunAsync();
    }
}
