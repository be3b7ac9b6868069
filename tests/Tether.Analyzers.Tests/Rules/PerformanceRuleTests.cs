using Tether.Analyzers.Messages;
using Tether.Analyzers.Performance;

namespace Tether.Analyzers.Tests.Rules;

/// <summary>TETH3001, TETH3002 and TETH1009 (reliability at call sites), with valid code for each.</summary>
public sealed class PerformanceRuleTests
{
    private const string Messages = """
        [Message(1)] public partial record Order(int Id);
        [Message(2)] public partial record Receipt(int Id);

        """;

    [Fact]
    public Task TETH3001_blocking_calls_in_a_handler() =>
        Verify.NoDiagnosticsAsync<BlockingCallAnalyzer>(Messages + """
            [Handler] public partial class Orders
            {
                private readonly Task<int> _stock = Task.FromResult(1);

                public Receipt Place(Order order)
                {
                    int stock = [|_stock.Result|];
                    [|_stock.Wait()|];
                    [|_stock.Wait(100)|];
                    [|Thread.Sleep(10)|];
                    [|Task.WaitAll(_stock)|];
                    return new Receipt([|_stock.GetAwaiter().GetResult()|] + stock);
                }

                private int Helper(ValueTask<int> pending) => [|pending.Result|];
            }
            """);

    [Fact]
    public Task TETH3001_blocking_outside_handlers_and_awaits_report_nothing() =>
        Verify.NoDiagnosticsAsync<BlockingCallAnalyzer>(Messages + """
            public sealed class NotAHandler
            {
                public int Read(Task<int> task) => task.Result;
            }

            [Handler] public partial class Orders
            {
                public async ValueTask<Receipt> Place(Order order, CancellationToken token)
                {
                    Task<int> stock = Task.FromResult(order.Id);
                    await Task.Yield();
                    token.ThrowIfCancellationRequested();
                    return new Receipt(await stock);
                }
            }
            """);

    [Fact]
    public Task TETH3002_buffer_read_after_AdvanceTo() =>
        Verify.NoDiagnosticsAsync<ReceiveBufferAnalyzer>("""
            using System.Buffers;
            using System.IO.Pipelines;
            public static class Pump
            {
                public static async Task<long> CountAsync(PipeReader reader)
                {
                    long total = 0;
                    while (true)
                    {
                        ReadResult result = await reader.ReadAsync();
                        ReadOnlySequence<byte> buffer = result.Buffer;
                        reader.AdvanceTo(buffer.End);
                        total += [|buffer|].Length;
                        if (result.IsCompleted)
                        {
                            return total;
                        }
                    }
                }
            }
            """);

    [Fact]
    public Task TETH3002_buffer_escaping_into_an_async_call_or_a_field() =>
        Verify.NoDiagnosticsAsync<ReceiveBufferAnalyzer>("""
            using System.Buffers;
            using System.IO.Pipelines;
            public sealed class Pump
            {
                private ReadOnlySequence<byte> _last;

                public async Task RunAsync(PipeReader reader)
                {
                    ReadResult result = await reader.ReadAsync();
                    ReadOnlySequence<byte> buffer = result.Buffer;
                    Task pending = StoreAsync([|buffer.Slice(1)|]);
                    [|_last = buffer|];
                    reader.AdvanceTo(buffer.End);
                    await pending;
                }

                private static Task StoreAsync(ReadOnlySequence<byte> data) => Task.CompletedTask;
            }
            """);

    [Fact]
    public Task TETH3002_correct_pipe_loops_report_nothing() =>
        Verify.NoDiagnosticsAsync<ReceiveBufferAnalyzer>("""
            using System.Buffers;
            using System.IO.Pipelines;
            public static class Pump
            {
                public static async Task<long> ParseAsync(PipeReader reader)
                {
                    long frames = 0;
                    while (true)
                    {
                        ReadResult result = await reader.ReadAsync();
                        ReadOnlySequence<byte> buffer = result.Buffer;
                        if (!TryParse(ref buffer))
                        {
                            reader.AdvanceTo(buffer.Start, buffer.End);
                            if (result.IsCompleted)
                            {
                                return frames;
                            }

                            continue;
                        }

                        await ConsumeAsync(buffer.First);
                        long length = buffer.Length;
                        reader.AdvanceTo(buffer.End);
                        frames += length;
                        if (result.IsCompleted)
                        {
                            return frames;
                        }
                    }
                }

                private static bool TryParse(ref ReadOnlySequence<byte> buffer) => buffer.Length > 4;

                private static Task ConsumeAsync(ReadOnlyMemory<byte> data) => Task.CompletedTask;
            }
            """);

    [Fact]
    public Task TETH1009_mutable_message_to_a_deferred_send() =>
        Verify.AnalyzerAsync<MutableMessageSendAnalyzer>(
            """
            [Message(1)] public partial class Quote { public decimal Price { get; set; } }
            public static class Sender
            {
                public static ValueTask SendAsync(TetherPeer peer, Quote quote) => peer.SendAsync({|#0:quote|});
            }
            """,
            Verify.Diagnostic(Descriptors.MutableMessageSent).WithLocation(0).WithArguments("Quote", "Price", "TetherPeer.SendAsync"));

    [Fact]
    public Task TETH1009_immutable_messages_and_immediate_sends_report_nothing() =>
        Verify.NoDiagnosticsAsync<MutableMessageSendAnalyzer>("""
            [Message(1)] public partial class Quote { public decimal Price { get; set; } }
            [Message(2)] public partial record Tick(decimal Price);
            [Message(3)] public partial class Snapshot { public decimal Price { get; init; } }
            public static class Sender
            {
                public static async ValueTask SendAsync(TetherPeer peer, Quote quote, Tick tick, Snapshot snapshot)
                {
                    peer.TrySend(quote);
                    await peer.SendAsync(tick);
                    await peer.SendAsync(snapshot);
                }
            }
            """);
}
