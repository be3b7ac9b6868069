using Microsoft.CodeAnalysis.Testing;
using Tether.Analyzers.CodeFixes;
using Tether.Analyzers.Handlers;
using Tether.Analyzers.Messages;
using Tether.Analyzers.Performance;

namespace Tether.Analyzers.Tests.Fixes;

/// <summary>
/// Every code fix through <c>VerifyCodeFixAsync</c>: the testing library applies it one diagnostic at a
/// time and through Fix All in document, project and solution scope, and each must reach the fixed code.
/// </summary>
public sealed class CodeFixTests
{
    [Fact]
    public Task Add_partial_to_messages_handlers_and_their_shared_container() =>
        Verify.FixAsync<MessageAnalyzer, AddPartialCodeFix>(
            """
            public static class Contracts
            {
                [Message(1)] public record {|TETH1001:Order|}(int Id);
                [Message(2)] public sealed record {|TETH1001:Cancel|}(int Id);
            }
            """,
            """
            public static partial class Contracts
            {
                [Message(1)] public partial record Order(int Id);
                [Message(2)] public sealed partial record Cancel(int Id);
            }
            """);

    [Fact]
    public Task Add_partial_to_a_handler() =>
        Verify.FixAsync<HandlerAnalyzer, AddPartialCodeFix>(
            """
            [Message(1)] public partial record Order(int Id);
            [Handler] public sealed class {|TETH2001:Orders|} { public void Place(Order order) { } }
            """,
            """
            [Message(1)] public partial record Order(int Id);
            [Handler] public sealed partial class Orders { public void Place(Order order) { } }
            """);

    [Fact]
    public Task Mark_HandlerIgnore_on_methods_that_look_dispatched_but_are_not() =>
        Verify.FixAsync<HandlerAnalyzer, HandlerIgnoreCodeFix>(
            """
            [Message(1)] public partial record Order(int Id);
            public sealed record Settings(int Limit);
            [Service] public partial interface IOrders { void Place(Order order); }
            [Handler] public partial class Orders : IOrders
            {
                public void Place(Order order) { }
                public void {|TETH2010:Check|}(Order order) { }
                public void {|TETH2004:Configure|}(Settings settings) { }
            }
            """,
            """
            [Message(1)] public partial record Order(int Id);
            public sealed record Settings(int Limit);
            [Service] public partial interface IOrders { void Place(Order order); }
            [Handler] public partial class Orders : IOrders
            {
                public void Place(Order order) { }

                [HandlerIgnore]
                public void Check(Order order) { }

                [HandlerIgnore]
                public void Configure(Settings settings) { }
            }
            """);

    [Fact]
    public Task Make_partial_fixes_a_service_interface() =>
        Verify.FixAsync<HandlerAnalyzer, AddPartialCodeFix>(
            """
            [Message(1)] public partial record Order(int Id);
            [Service] public interface {|TETH2009:IOrders|} { void Place(Order order); }
            """,
            """
            [Message(1)] public partial record Order(int Id);
            [Service] public partial interface IOrders { void Place(Order order); }
            """);

    [Fact]
    public Task Next_free_id_for_out_of_range_ids_fix_all_numbers_them_in_turn() =>
        Verify.FixAsync<MessageAnalyzer, AssignMessageIdCodeFix>(
            """
            [Message(4)] public partial record Order(int Id);
            [Message(0)] public partial record {|TETH1005:Cancel|}(int Id);
            [Message(-1)] public partial record {|TETH1005:Refund|}(int Id);
            """,
            """
            [Message(4)] public partial record Order(int Id);
            [Message(5)] public partial record Cancel(int Id);
            [Message(6)] public partial record Refund(int Id);
            """);

    [Fact]
    public Task Next_free_id_for_a_duplicate_keeps_the_first_declaration()
    {
        var test = new CodeFixTest<DuplicateMessageIdAnalyzer, AssignMessageIdCodeFix>(
            """
            [Message(7)] public partial record {|#0:Order|}(long Id);
            [Message(7)] public partial record {|#1:Cancel|}(long Id);
            [Message(3)] public partial record Refund(long Id);
            """,
            """
            [Message(8)] public partial record Order(long Id);
            [Message(7)] public partial record Cancel(long Id);
            [Message(3)] public partial record Refund(long Id);
            """);
        test.ExpectedDiagnostics.Add(Verify.Diagnostic(Descriptors.DuplicateMessageId).WithLocation(0).WithArguments(7, "Order", "Cancel"));
        test.ExpectedDiagnostics.Add(Verify.Diagnostic(Descriptors.DuplicateMessageId).WithLocation(1).WithArguments(7, "Cancel", "Order"));

        // TETH1006 is a compilation-end diagnostic (it needs every message of the assembly), which the
        // testing library treats as non-local; the IDE offers the fix for it all the same.
        test.CodeFixTestBehaviors |= CodeFixTestBehaviors.SkipLocalDiagnosticCheck;

        // One at a time, the first diagnostic (Order) moves; Fix All keeps the first declaration's id and
        // moves Cancel. Both end with unique ids, by different routes.
        test.BatchFixedCode = TestSetup.Usings + """
            [Message(7)] public partial record Order(long Id);
            [Message(8)] public partial record Cancel(long Id);
            [Message(3)] public partial record Refund(long Id);
            """;
        return test.RunAsync();
    }

    [Fact]
    public Task Next_free_id_skips_ids_listed_in_the_shipped_file()
    {
        var test = new CodeFixTest<MessageAnalyzer, AssignMessageIdCodeFix>(
            """
            [Message(2)] public partial record Order(int Id);
            [Message(0)] public partial record {|TETH1005:Cancel|}(int Id);
            """,
            """
            [Message(2)] public partial record Order(int Id);
            [Message(10)] public partial record Cancel(int Id);
            """);
        test.TestState.AdditionalFiles.Add(("/0/TetherMessages.Shipped.txt", "2 Order(Id: int32)\n9 retired\n"));
        test.FixedState.AdditionalFiles.Add(("/0/TetherMessages.Shipped.txt", "2 Order(Id: int32)\n9 retired\n"));
        return test.RunAsync();
    }

    [Fact]
    public Task Async_void_handler_returns_ValueTask() =>
        Verify.FixAsync<HandlerAnalyzer, AsyncVoidCodeFix>(
            """
            [Message(1)] public partial record Order(int Id);
            [Message(2)] public partial record Cancel(int Id);
            [Handler] public partial class Orders
            {
                public async void {|TETH2002:Place|}(Order order) => await Task.Yield();
                public async void {|TETH2002:Drop|}(Cancel cancel, CancellationToken token) { await Task.Yield(); token.ThrowIfCancellationRequested(); }
            }
            """,
            """
            [Message(1)] public partial record Order(int Id);
            [Message(2)] public partial record Cancel(int Id);
            [Handler] public partial class Orders
            {
                public async ValueTask Place(Order order) => await Task.Yield();
                public async ValueTask Drop(Cancel cancel, CancellationToken token) { await Task.Yield(); token.ThrowIfCancellationRequested(); }
            }
            """);

    [Fact]
    public Task Blocking_calls_become_awaits_and_the_handler_becomes_async() =>
        Verify.FixAsync<BlockingCallAnalyzer, AwaitInsteadOfBlockingCodeFix>(
            """
            [Message(1)] public partial record Order(int Id);
            [Message(2)] public partial record Receipt(int Id);
            [Message(3)] public partial record Cancel(int Id);
            [Handler] public partial class Orders
            {
                private readonly Task<int> _stock = Task.FromResult(1);

                public Receipt Place(Order order)
                {
                    int stock = [|_stock.Result|];
                    [|_stock.Wait()|];
                    [|Thread.Sleep(10)|];
                    return new Receipt([|_stock.Result|].CompareTo(stock) + [|_stock.GetAwaiter().GetResult()|]);
                }

                public void Drop(Cancel cancel) => [|_stock.Wait()|];

                public async ValueTask Audit(Receipt receipt)
                {
                    await Task.Yield();
                    int left = [|_stock.Result|];
                }
            }
            """,
            """
            [Message(1)] public partial record Order(int Id);
            [Message(2)] public partial record Receipt(int Id);
            [Message(3)] public partial record Cancel(int Id);
            [Handler] public partial class Orders
            {
                private readonly Task<int> _stock = Task.FromResult(1);

                public async ValueTask<Receipt> Place(Order order)
                {
                    int stock = await _stock;
                    await _stock;
                    await Task.Delay(10);
                    return new Receipt((await _stock).CompareTo(stock) + await _stock);
                }

                public async ValueTask Drop(Cancel cancel) => await _stock;

                public async ValueTask Audit(Receipt receipt)
                {
                    await Task.Yield();
                    int left = await _stock;
                }
            }
            """);

    [Fact]
    public async Task Blocking_calls_the_fix_cannot_rewrite_safely_are_left_alone()
    {
        // Wait(timeout) returns a bool; a helper's callers would change; await is illegal in lock.
        string source = """
            [Message(1)] public partial record Order(int Id);
            [Handler] public partial class Orders
            {
                private readonly object _gate = new();
                private readonly Task<int> _stock = Task.FromResult(1);

                public void Place(Order order)
                {
                    bool done = [|_stock.Wait(100)|];
                    lock (_gate) { int stock = [|_stock.Result|]; }
                }

                private int Helper() => [|_stock.Result|];
            }
            """;
        var test = new CodeFixTest<BlockingCallAnalyzer, AwaitInsteadOfBlockingCodeFix>(source, source);
        await test.RunAsync();
    }

    [Fact]
    public Task Async_Task_handler_returns_ValueTask() =>
        Verify.FixAsync<HandlerAnalyzer, ValueTaskReturnCodeFix>(
            """
            [Message(1)] public partial record Order(int Id);
            [Message(2)] public partial record Receipt(int Id);
            [Handler] public partial class Orders
            {
                public async {|TETH3003:Task<Receipt>|} Place(Order order) { await Task.Yield(); return new Receipt(order.Id); }
                public async {|TETH3003:System.Threading.Tasks.Task|} Drop(Receipt receipt) => await Task.Yield();
            }
            """,
            """
            [Message(1)] public partial record Order(int Id);
            [Message(2)] public partial record Receipt(int Id);
            [Handler] public partial class Orders
            {
                public async ValueTask<Receipt> Place(Order order) { await Task.Yield(); return new Receipt(order.Id); }
                public async ValueTask Drop(Receipt receipt) => await Task.Yield();
            }
            """);
}
