using Tether.Analyzers.Handlers;

namespace Tether.Analyzers.Tests.Rules;

/// <summary>TETH2006, 2007 and 2009 (reported by the handler analyzer) on <c>[Service]</c> interfaces, and valid ones of every kind.</summary>
public sealed class ServiceRuleTests
{
    private const string Messages = """
        [Message(1)] public partial record Order(int Id);
        [Message(2)] public partial record Receipt(int Id);
        [Message(3)] public partial record Query(string Text);

        """;

    [Fact]
    public Task A_service_with_every_method_kind_is_valid() =>
        Verify.NoDiagnosticsAsync<HandlerAnalyzer>(Messages + """
            [Service(Name = "Desk", Version = 2)]
            public partial interface IOrders
            {
                ValueTask<Receipt> Place(Order order, CancellationToken token);
                Task<Receipt> PlaceSlowly(Order order);
                ValueTask Cancel(Order order);
                IAsyncEnumerable<Receipt> Watch(Order order, CancellationToken token);
                void Note(Query query);
                [OneWay] ValueTask Audit(Query query, CallContext context);
                [Method(Id = 12)] ValueTask<Receipt> Pinned(Order order);
                static int Helper(int value) => value;
            }
            """);

    [Fact]
    public Task TETH2009_service_not_partial() =>
        Verify.NoDiagnosticsAsync<HandlerAnalyzer>(Messages + """
            [Service] public interface {|TETH2009:IOrders|} { void Place(Order order); }
            """);

    [Theory]
    [InlineData("int {|#0:Count|} { get; }", "Count", "a service declares only methods (a property or event cannot be called over the wire)")]
    [InlineData("event System.Action {|#0:Changed|};", "Changed", "a service declares only methods (a property or event cannot be called over the wire)")]
    [InlineData("void {|#0:Place|}(int id);", "Place", "its first parameter is not a [Message] type or an IAsyncEnumerable<T> of one; a service method takes one message (or a stream of them) first")]
    [InlineData("void {|#0:Place|}();", "Place", "its first parameter is not a [Message] type or an IAsyncEnumerable<T> of one; a service method takes one message (or a stream of them) first")]
    [InlineData("string {|#0:Place|}(Order order);", "Place", "return type 'string' is not void, a [Message] type, ValueTask, Task, ValueTask<T>, Task<T> or IAsyncEnumerable<T>")]
    [InlineData("[OneWay] Task<Receipt> {|#0:Place|}(Order order);", "Place", "it is marked [OneWay] but returns 'System.Threading.Tasks.Task<Receipt>'; a one-way method returns void, ValueTask or Task")]
    [InlineData("ValueTask {|#0:Place|}(Order order, string note);", "Place", "parameter 'note' of type 'string' is not allowed; after the message a handler may take one CallContext and one CancellationToken")]
    public Task TETH2007_member_no_method_kind_fits(string member, string name, string reason) =>
        Verify.AnalyzerAsync<HandlerAnalyzer>(
            Messages + $$"""
            [Service] public partial interface IOrders { {{member}} }
            """,
            Verify.Diagnostic(Descriptors.ServiceMemberNotCallable).WithLocation(0).WithArguments(name, reason));

    [Fact]
    public Task TETH2006_method_ids_clash() =>
        Verify.AnalyzerAsync<HandlerAnalyzer>(
            Messages + """
            [Service] public partial interface IOrders
            {
                [Method(Id = 7)] void Place(Order order);
                [Method(Id = 7)] ValueTask<Receipt> {|#0:Check|}(Order order);
            }
            """,
            Verify.Diagnostic(Descriptors.DuplicateMethodId).WithLocation(0).WithArguments("Place", "Check", "7"));
}
