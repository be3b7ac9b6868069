using System.IO.Pipelines;

namespace Tether.Fuzz;

/// <summary>The fake peer's side of a target's connection: reads what the code under test sends until it closes, counting it.</summary>
internal static class PeerInput
{
    /// <summary>
    /// Reads <paramref name="input"/> until the other side completes or resets it (or it is aborted here); a cancelled
    /// <paramref name="cancellationToken"/> throws, which is how a target notices a hang.
    /// </summary>
    public static async Task DrainAsync(PipeReader input, ReceivedBytes? received, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                ReadResult result = await input.ReadAsync(cancellationToken).ConfigureAwait(false);
                received?.Add(result.Buffer.Length);
                input.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted || result.IsCanceled)
                {
                    return;
                }
            }
        }
        catch (Exception e) when (e is TetherException or InvalidOperationException
            || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            // reset by the other side, or aborted under the reader
        }
    }
}

/// <summary>What a fake peer has received, with a wait for more.</summary>
internal sealed class ReceivedBytes
{
    private long _count;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public long Count => Interlocked.Read(ref _count);

    public void Add(long bytes)
    {
        Interlocked.Add(ref _count, bytes);
        Interlocked.Exchange(ref _changed, new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }

    public async Task BeyondAsync(long count, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task changed = Volatile.Read(ref _changed).Task; // taken before the test, so a change between them is not missed
            if (Count > count)
            {
                return;
            }

            await changed.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
