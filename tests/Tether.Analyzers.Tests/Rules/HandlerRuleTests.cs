using Microsoft.CodeAnalysis.Testing;
using Tether.Analyzers.Handlers;

namespace Tether.Analyzers.Tests.Rules;

/// <summary>TETH2001, 2002, 2004–2006, 2008, 2010 and TETH3003 (reported by the handler analyzer), one test per rule, and valid handlers.</summary>
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
    [InlineData("public void {|#0:Place|}(IAsyncEnumerable<Order> orders) { }", "it takes a stream of requests but returns 'void'; a client-streaming method returns its reply (ValueTask<T> or Task<T>) and a bidirectional one an IAsyncEnumerable<T>")]
    [InlineData("public Task {|#0:Place|}(IAsyncEnumerable<Order> orders) => Task.CompletedTask;", "it takes a stream of requests but returns 'System.Threading.Tasks.Task'; a client-streaming method returns its reply (ValueTask<T> or Task<T>) and a bidirectional one an IAsyncEnumerable<T>")]
    [InlineData("public Receipt {|#0:Place|}(IAsyncEnumerable<Order> orders) => new(1);", "it takes a stream of requests but returns 'Receipt'; a client-streaming method returns its reply (ValueTask<T> or Task<T>) and a bidirectional one an IAsyncEnumerable<T>")]
    [InlineData("[Method(Idempotent = true)] public ValueTask<Receipt> {|#0:Place|}(IAsyncEnumerable<Order> orders) => default;", "it takes a stream of requests, which a retry cannot send again; only methods taking one message can be [Method(Idempotent = true)]")]
    public Task TETH2002_handler_method_not_dispatchable(string method, string reason) =>
        Verify.AnalyzerAsync<HandlerAnalyzer>(
            Messages + $$"""
            [Handler] public partial class Orders { {{method}} }
            """,
            Verify.Diagnostic(Descriptors.HandlerMethodNotDispatchable).WithLocation(0).WithArguments("Place", reason));

    [Fact]
    public Task Two_methods_may_take_the_same_message() =>
        Verify.NoDiagnosticsAsync<HandlerAnalyzer>(Messages + """
            [Handler] public partial class Orders
            {
                public void Place(Order order) { }
                public ValueTask<Receipt> Check(Order order) => default;
                public async IAsyncEnumerable<Receipt> Watch(Order order) { await Task.Yield(); yield break; }
            }
            """);

    [Fact]
    public Task Client_streaming_and_bidirectional_methods_are_dispatchable() =>
        Verify.NoDiagnosticsAsync<HandlerAnalyzer>(Messages + """
            [Handler] public partial class Orders
            {
                public async ValueTask<Receipt> Upload(IAsyncEnumerable<Order> orders, CancellationToken cancellationToken) { await foreach (var o in orders) { } return new(1); }
                public ValueTask<Receipt> Collect(IAsyncEnumerable<Order> orders, CallContext context) => new(new Receipt(2));
                public async IAsyncEnumerable<Receipt> Chat(IAsyncEnumerable<Order> orders) { await foreach (var o in orders) yield return new(o.Id); }
            }
            """);

    [Fact]
    public Task TETH2006_two_methods_with_the_same_id() =>
        Verify.AnalyzerAsync<HandlerAnalyzer>(
            Messages + """
            [Handler] public partial class Orders
            {
                [Method(Id = 5)] public void Place(Order order) { }
                [Method(Id = 5)] public void {|#0:Again|}(Order order) { }
            }
            """,
            Verify.Diagnostic(Descriptors.DuplicateMethodId).WithLocation(0).WithArguments("Place", "Again", "5"));

    [Theory]
    [InlineData("[OneWay] public ValueTask<Receipt> {|#0:Place|}(Order order) => default;", "it is marked [OneWay] but returns 'System.Threading.Tasks.ValueTask<Receipt>'; a one-way method returns void, ValueTask or Task")]
    [InlineData("[Method(Id = -3)] public void {|#0:Place|}(Order order) { }", "[Method(Id = -3)] is not a positive number")]
    [InlineData("[Method(Id = 0)] public void {|#0:Place|}(Order order) { }", "[Method(Id = 0)] is not a positive number")]
    public Task TETH2002_bad_method_attributes(string method, string reason) =>
        Verify.AnalyzerAsync<HandlerAnalyzer>(
            Messages + $$"""
            [Handler] public partial class Orders { {{method}} }
            """,
            Verify.Diagnostic(Descriptors.HandlerMethodNotDispatchable).WithLocation(0).WithArguments("Place", reason));

    [Fact]
    public Task TETH2008_handler_sets_its_own_method_id() =>
        Verify.AnalyzerAsync<HandlerAnalyzer>(
            Messages + """
            [Service] public partial interface IOrders { ValueTask<Receipt> Place(Order order); }
            [Handler] public partial class Orders : IOrders { [Method(Id = 9)] public ValueTask<Receipt> {|#0:Place|}(Order order) => default; }
            """,
            Verify.Diagnostic(Descriptors.HandlerDiffersFromService).WithLocation(0)
                .WithArguments("Orders", "IOrders", "'Place' sets [Method(Id = 9)], which its interface does not; set method ids on the interface"));

    [Fact]
    public Task TETH2008_handler_marks_one_way_what_its_interface_does_not() =>
        Verify.AnalyzerAsync<HandlerAnalyzer>(
            Messages + """
            [Service] public partial interface IOrders { ValueTask Place(Order order); }
            [Handler] public partial class Orders : IOrders { [OneWay] public ValueTask {|#0:Place|}(Order order) => default; }
            """,
            Verify.Diagnostic(Descriptors.HandlerDiffersFromService).WithLocation(0)
                .WithArguments("Orders", "IOrders", "'Place' is marked [OneWay] but its interface method is not, so callers wait for a reply; mark the interface method"));

    [Fact]
    public Task TETH2008_handler_of_two_services() =>
        Verify.AnalyzerAsync<HandlerAnalyzer>(
            Messages + """
            [Service] public partial interface IOrders { void Place(Order order); }
            [Service] public partial interface IQueries { void Ask(Query query); }
            [Handler] public partial class {|#0:Desk|} : IOrders, IQueries { public void Place(Order order) { } public void Ask(Query query) { } }
            """,
            Verify.Diagnostic(Descriptors.HandlerDiffersFromService).WithLocation(0)
                .WithArguments("Desk", "IOrders', 'IQueries", "it implements more than one [Service] interface; a handler serves one service (split it, one handler per service)"));

    [Fact]
    public Task A_handler_of_a_service_with_helpers_and_an_explicit_implementation_is_valid() =>
        Verify.NoDiagnosticsAsync<HandlerAnalyzer>(Messages + """
            [Service] public partial interface IOrders { ValueTask<Receipt> Place(Order order, CancellationToken token); [OneWay] ValueTask Note(Query query); }
            public interface IAudit { void Record(Order order); }
            [Handler] public partial class Orders : IOrders, IAudit
            {
                ValueTask<Receipt> IOrders.Place(Order order, CancellationToken token) => default;
                [OneWay] public ValueTask Note(Query query) => default;
                [HandlerIgnore] public ValueTask<Receipt> Helper(Order order) => default;
                public void Record(Order order) { } // implements another interface: meant, not forgotten
                public string Format(Order order, string prefix) => prefix; // takes more than a handler method can
                private ValueTask<Receipt> Check(Order order) => default;
                public static ValueTask<Receipt> Create(Order order) => default;
            }
            """);

    [Fact]
    public Task TETH2010_handler_method_its_service_does_not_declare() =>
        Verify.AnalyzerAsync<HandlerAnalyzer>(
            Messages + """
            [Service] public partial interface IOrders { ValueTask<Receipt> Place(Order order); }
            [Handler] public partial class Orders : IOrders
            {
                public ValueTask<Receipt> Place(Order order) => default;
                public ValueTask {|#0:Cancel|}(Order order, CallContext context, CancellationToken token) => default;
                public IAsyncEnumerable<Receipt> {|#1:Watch|}(IAsyncEnumerable<Query> queries) => throw null!;
            }
            """,
            Verify.Diagnostic(Descriptors.HandlerMethodNotInService).WithLocation(0).WithArguments("Cancel", "Orders", "IOrders"),
            Verify.Diagnostic(Descriptors.HandlerMethodNotInService).WithLocation(1).WithArguments("Watch", "Orders", "IOrders"));

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
