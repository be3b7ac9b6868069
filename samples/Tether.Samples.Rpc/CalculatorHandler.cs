using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace Tether.Samples.Rpc;

[Handler(ServiceName = "Calculator")]
public sealed partial class CalculatorHandler
{
    /// <summary>What the server saw, for the demo to print.</summary>
    public Channel<string> Events { get; } = Channel.CreateUnbounded<string>();

    public Quotient Divide(Divide request) =>
        request.Divisor == 0
            ? throw new DivideByZeroException("division by zero")
            : new Quotient(request.Dividend / request.Divisor);

    public async ValueTask<WorkDone> Work(Work work, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(work.Milliseconds, cancellationToken);
            return new WorkDone(work.Id);
        }
        catch (OperationCanceledException)
        {
            Events.Writer.TryWrite($"work {work.Id}: the handler's token fired, work abandoned");
            throw;
        }
    }

    public async IAsyncEnumerable<Tick> Count(Countdown countdown, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        for (int value = countdown.From; value > 0; value--)
        {
            yield return new Tick(value);
            await Task.Yield();
        }
    }
}
