using Microsoft.CodeAnalysis.Testing;
using Tether.Analyzers.Handlers;

namespace Tether.Analyzers.Tests.Rules;

/// <summary>TETH2001–2005 and TETH3003 (reported by the handler analyzer), one test per rule, and valid handlers.</summary>
public sealed class HandlerRuleTests
{
    private const string Messages = """
        [Message(1)] public partial record Order(int Id);
        [Message(2)] public partial record Receipt(int Id);
        [Message(3)] public partial record Query(string Text);
        public sealed record Settings(int Limit);

        """;

    [Fact]
    public Task TETH2001_handler_not_partial() =>
        Verify.NoDiagnosticsAsync<HandlerAnalyzer>(Messages + """
            [Handler] public class {|TETH2001:Orders|} { public void Place(Order order) { } }
            """);

    [Theory]
    [InlineData("public async void {|#0:Place|}(Order order) { await Task.Yield(); }", "'async void' cannot be awaited or report failures; return ValueTask instead")]
    [InlineData("public void {|#0:Place|}(Order order, int extra) { }", "parameter 'extra' of type 'int' is not allowed; after the message a handler may take one CallContext and one CancellationToken")]
    [InlineData("public void {|#0:Place|}(Order order, Receipt again) { }", "it takes a second message ('again'); a handler method receives exactly one message, first")]
    [InlineData("public void {|#0:Place|}(ref Order order) { }", "parameter 'order' is passed by reference; handler parameters are passed by value")]
    [InlineData("public void {|#0:Place|}(Order order, out int result) { result = 0; }", "parameter 'result' is passed by reference; handler parameters are passed by value")]
    [InlineData("public string {|#0:Place|}(Order order) => \"\";", "return type 'string' is not void, a [Message] type, ValueTask, Task, ValueTask<T>, Task<T> or IAsyncEnumerable<T>")]
    [InlineData("public ValueTask<string> {|#0:Place|}(Order order) => default;", "it returns 'string', which is not a [Message] type")]
    [InlineData("public void {|#0:Place|}<T>(Order order) { }", "generic methods cannot be dispatched")]
    public Task TETH2002_handler_method_not_dispatchable(string method, string reason) =>
        Verify.AnalyzerAsync<HandlerAnalyzer>(
            Messages + $$"""
            [Handler] public partial class Orders { {{method}} }
            """,
            Verify.Diagnostic(Descriptors.HandlerMethodNotDispatchable).WithLocation(0).WithArguments("Place", reason));

    [Fact]
    public Task TETH2003_two_methods_handle_the_same_message() =>
        Verify.AnalyzerAsync<HandlerAnalyzer>(
            Messages + """
            [Handler] public partial class Orders
            {
                public void Place(Order order) { }
                public void {|#0:Again|}(Order order) { }
            }
            """,
            Verify.Diagnostic(Descriptors.DuplicateHandlerMessage).WithLocation(0).WithArguments("Place", "Again", "Order"));

    [Fact]
    public Task TETH2004_first_parameter_is_not_a_message() =>
        Verify.AnalyzerAsync<HandlerAnalyzer>(
            Messages + """
            [Handler] public partial class Orders
            {
                public void Place(Order order) { }
                public ValueTask {|#0:Configure|}(Settings settings, CancellationToken token) => default;
            }
            """,
            Verify.Diagnostic(Descriptors.HandlerParameterNotMessage).WithLocation(0).WithArguments("Configure", "Settings"));

    [Fact]
    public Task TETH2005_handler_dispatches_nothing() =>
        Verify.NoDiagnosticsAsync<HandlerAnalyzer>(Messages + """
            [Handler] public partial class {|TETH2005:Orders|}
            {
                private void Place(Order order) { }
                public static void Log(Order order) { }
            }
            """);

    [Fact]
    public Task TETH3003_handler_returns_task() =>
        Verify.AnalyzerAsync<HandlerAnalyzer>(
            Messages + """
            [Handler] public partial class Orders
            {
                public async {|#0:Task<Receipt>|} Place(Order order) { await Task.Yield(); return new Receipt(order.Id); }
                public {|#1:Task|} Cancel(Receipt receipt) => Task.CompletedTask;
            }
            """,
            Verify.Diagnostic(Descriptors.HandlerReturnsTask).WithLocation(0).WithArguments("Place", "Task<Receipt>", "ValueTask<Receipt>"),
            Verify.Diagnostic(Descriptors.HandlerReturnsTask).WithLocation(1).WithArguments("Cancel", "Task", "ValueTask"));

    [Fact]
    public Task Valid_handlers_and_helpers_report_nothing() =>
        Verify.NoDiagnosticsAsync<HandlerAnalyzer>(Messages + """
            [Handler] public partial class Orders
            {
                public Receipt Place(Order order) => new(order.Id);
                public async ValueTask<Receipt> PlaceLater(Receipt receipt, CallContext context, CancellationToken token) { await Task.Yield(); return receipt; }
                public async IAsyncEnumerable<Receipt> Watch(Query query) { await Task.Yield(); yield break; }
                [HandlerIgnore] public string Format(Order order) => order.ToString();
                public void Apply(Settings settings, int extra) { }
                public string Describe(int id) => id.ToString();
                private void Audit(Settings settings) { }
            }
            """);
}
