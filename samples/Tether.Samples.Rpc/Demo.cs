using System.Net;

namespace Tether.Samples.Rpc;

/// <summary>Calls with replies, typed errors, timeouts, cancellation that reaches the server, a stream, and a full pending-call table.</summary>
public static class Demo
{
    public static async Task<int> RunAsync(TextWriter output, CancellationToken cancellationToken = default)
    {
        using var patience = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        patience.CancelAfter(TimeSpan.FromSeconds(30));
        CancellationToken token = patience.Token;
        var calculator = new CalculatorHandler();

        // Exception details are sent to callers here for the demo; leave them off in production.
        await using var server = new TetherServer(new TetherServerOptions { EndPoint = new IPEndPoint(IPAddress.Loopback, 0), IncludeExceptionDetails = true });
        server.AddHandler(calculator);
        await server.StartAsync(token);
        await using var client = new TetherClient(new TetherClientOptions { MaxPendingCalls = 4, DefaultCallTimeout = TimeSpan.FromSeconds(10) });
        await client.StartAsync(server.LocalEndPoint!, token);
        var rpc = new CalculatorHandler.Client(client);
        int checks = 0;

        Quotient quotient = await rpc.Divide(new Divide(10, 4), token);
        output.WriteLine($"[rpc] 10 / 4 = {quotient.Value}");
        checks += quotient.Value == 2.5 ? 1 : 0;

        try
        {
            await rpc.Divide(new Divide(1, 0), token);
        }
        catch (TetherException e)
        {
            output.WriteLine($"[rpc] 1 / 0 failed: {(int)e.Code} {e.Descriptor.Name}: {e.Message}");
            checks += e.Code == TetherErrorCode.HandlerFailed ? 1 : 0;
        }

        try
        {
            await client.RequestAsync<Work, WorkDone>(new Work(1), TimeSpan.FromMilliseconds(200), token);
        }
        catch (TetherException e) when (e.Code == TetherErrorCode.CallTimedOut)
        {
            output.WriteLine($"[rpc] work 1 with a 200 ms timeout: {e.Descriptor.Name} (retryable: {e.IsRetryable})");
            output.WriteLine($"[server] {await calculator.Events.Reader.ReadAsync(token)}");
            checks++;
        }

        using (var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100)))
        {
            try
            {
                await rpc.Work(new Work(2), cancel.Token);
            }
            catch (OperationCanceledException)
            {
                output.WriteLine("[rpc] work 2 cancelled by the caller after 100 ms");
                output.WriteLine($"[server] {await calculator.Events.Reader.ReadAsync(token)}");
                checks++;
            }
        }

        var ticks = new List<int>();
        await foreach (Tick tick in rpc.Count(new Countdown(5), token))
        {
            ticks.Add(tick.Value);
        }

        output.WriteLine($"[rpc] countdown stream: {string.Join(" ", ticks)}");
        checks += ticks.SequenceEqual([5, 4, 3, 2, 1]) ? 1 : 0;

        var slow = Enumerable.Range(10, 4).Select(id => rpc.Work(new Work(id), token).AsTask()).ToArray();
        try
        {
            await rpc.Divide(new Divide(1, 1), token);
        }
        catch (TetherException e) when (e.Code == TetherErrorCode.PendingCallsExceeded)
        {
            output.WriteLine($"[rpc] fifth call with 4 pending (MaxPendingCalls = 4): {e.Descriptor.Name}: {e.Message}");
            checks++;
        }

        calculator.FinishWork();
        WorkDone[] done = await Task.WhenAll(slow);
        output.WriteLine($"[rpc] the 4 pending calls completed: {string.Join(", ", done.Select(d => d.Id))}");
        checks += done.Length == 4 ? 1 : 0;

        output.WriteLine("done");
        return checks == 7 ? 0 : 1;
    }
}
