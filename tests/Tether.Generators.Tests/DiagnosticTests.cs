using Microsoft.CodeAnalysis;

namespace Tether.Generators.Tests;

/// <summary>One test per diagnostic the generator reports, named by its id.</summary>
public sealed class DiagnosticTests
{
    [Fact]
    public void TETH1001_message_not_partial() =>
        AssertSingle("TETH1001", "Order", """
            using Tether;
            [Message(1)] public record Order(int Id);
            """);

    [Fact]
    public void TETH1001_containing_type_not_partial() =>
        AssertSingle("TETH1001", "Order", """
            using Tether;
            public static class Outer { [Message(1)] public partial record Order(int Id); }
            """);

    [Fact]
    public void TETH1002_unsupported_member_type() =>
        AssertSingle("TETH1002", "Where", """
            using Tether;
            [Message(1)] public partial record Order(int Id, System.Uri Where);
            """);

    [Fact]
    public void TETH1003_generic_message() =>
        AssertSingle("TETH1003", "Box", """
            using Tether;
            [Message(1)] public partial record Box<T>(T Value);
            """);

    [Fact]
    public void TETH1004_message_not_constructible() =>
        AssertSingle("TETH1004", "Order", """
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
        AssertSingle("TETH1005", id.ToString(System.Globalization.CultureInfo.InvariantCulture), $$"""
            using Tether;
            [Message({{id}})] public partial record Order(int Id);
            """);

    [Fact]
    public void TETH2001_handler_not_partial() =>
        AssertSingle("TETH2001", "Orders", """
            using Tether;
            [Message(1)] public partial record Order(int Id);
            [Handler] public class Orders { public void Place(Order order) { } }
            """);

    [Theory]
    [InlineData("public async void Place(Order order) { await System.Threading.Tasks.Task.Yield(); }", "async void")]
    [InlineData("public void Place(Order order, int extra) { }", "extra")]
    [InlineData("public void Place(Order order, Order again) { }", "again")]
    [InlineData("public void Place(ref Order order) { }", "by reference")]
    [InlineData("public string Place(Order order) => \"\";", "return type")]
    [InlineData("public System.Threading.Tasks.ValueTask<string> Place(Order order) => default;", "not a [Message] type")]
    [InlineData("public void Place<T>(Order order) { }", "generic")]
    public void TETH2002_handler_method_not_dispatchable(string method, string reason) =>
        AssertSingle("TETH2002", reason, $$"""
            using Tether;
            [Message(1)] public partial record Order(int Id);
            [Handler] public partial class Orders { {{method}} }
            """);

    [Fact]
    public void TETH2003_two_methods_handle_the_same_message() =>
        AssertSingle("TETH2003", "Again", """
            using Tether;
            [Message(1)] public partial record Order(int Id);
            [Handler] public partial class Orders
            {
                public void Place(Order order) { }
                public void Again(Order order) { }
            }
            """);

    [Fact]
    public void Valid_messages_and_handlers_report_nothing_and_compile_cleanly()
    {
        var (output, diagnostics, _) = GeneratorHarness.Run(Sources.Valid);
        Assert.Empty(diagnostics);
        Assert.Empty(GeneratorHarness.Errors(output));
    }

    [Fact]
    public void Every_descriptor_has_a_help_page_and_a_release_entry()
    {
        string root = Path.GetFullPath(Path.Combine(Baselines.Directory, "..", "..", ".."));
        string releases = File.ReadAllText(Path.Combine(root, "src", "Generators", "AnalyzerReleases.Unshipped.md"));
        foreach (DiagnosticDescriptor descriptor in Parsing.GeneratorDiagnostics.All)
        {
            Assert.True(File.Exists(Path.Combine(root, "docs", "diagnostics", descriptor.Id + ".md")), descriptor.Id + " has no help page");
            Assert.Contains(descriptor.Id, releases);
            Assert.Equal("docs/diagnostics/" + descriptor.Id + ".md", descriptor.HelpLinkUri);
        }
    }

    private static void AssertSingle(string id, string fragment, string source)
    {
        var (_, diagnostics, _) = GeneratorHarness.Run(source);
        Diagnostic diagnostic = Assert.Single(diagnostics);
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.Contains(fragment, diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        // Equatable models keep path + span rather than a syntax tree, so this is an external-file location.
        FileLinePositionSpan span = diagnostic.Location.GetLineSpan();
        Assert.Equal("Source0.cs", span.Path);
        Assert.False(diagnostic.Location.SourceSpan.IsEmpty, "diagnostic should mark the offending code");
    }
}
