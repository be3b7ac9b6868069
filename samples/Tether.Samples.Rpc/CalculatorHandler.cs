using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace Tether.Samples.Rpc;

[Handler(ServiceName = "Calculator")]
public sealed partial class CalculatorHandler
{
    private readonly TaskCompletionSource _finishWork = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>What the server saw, for the demo to print.</summary>
    public Channel<string> Events { get; } = Channel.CreateUnbounded<string>();

    /// <summary>Lets every running and future <see cref="Work"/> call finish (until then they run until cancelled).</summary>
    public void FinishWork() => _finishWork.TrySetResult();

    public Quotient Divide(Divide request) =>
        request.Divisor == 0
            ? throw new DivideByZeroException("division by zero")
            : new Quotient(request.Dividend / request.Divisor);

    public async ValueTask<WorkDone> Work(Work work, CancellationToken cancellationToken)
    {
        try
        {
            await _finishWork.Task.WaitAsync(cancellationToken);
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
