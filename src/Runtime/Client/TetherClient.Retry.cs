using Tether.Calls;
using Tether.Connections;

namespace Tether;

/// <summary>What a retried call needs from the client: its policy, its budget, and a usable session for the next attempt.</summary>
public sealed partial class TetherClient
{
    private RetryBudget? _retryBudget;
    private TaskCompletionSource _sessionUsable = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private protected override RetryPolicy? ClientRetry => _options.Retry;

    private protected override RetryBudget? Budget => _retryBudget;

    private void CreateRetryBudget()
    {
        RetryPolicy policy = _options.Retry ?? RetryPolicy.None;
        _retryBudget = new RetryBudget(policy.BudgetTokens, policy.BudgetTokenRatio);
    }

    /// <summary>A session became active: attempts waiting for one go ahead.</summary>
    private void SignalSessionUsable() =>
        Interlocked.Exchange(ref _sessionUsable, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    /// <summary>
    /// The current session when it takes calls (active, or resuming: calls made then wait in its replay buffer); while the
    /// client replaces a closed session, the new one once it is active.
    /// </summary>
    /// <exception cref="TimeoutException">No usable session before <paramref name="deadline"/>.</exception>
    private protected override async ValueTask<TetherConnection> ConnectionForAttemptAsync(DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task usable = Volatile.Read(ref _sessionUsable).Task; // read before the state, so a change between them is seen
            TetherConnection connection = CurrentConnection ?? throw new InvalidOperationException("The client is not connected.");
            if (connection.State is SessionState.Active or SessionState.Resuming || !_options.Reconnect.Enabled || _disposing.IsCancellationRequested)
            {
                return connection; // usable, or nothing will replace it: the attempt reports why
            }

            TimeSpan left = deadline == DateTimeOffset.MaxValue ? Timeout.InfiniteTimeSpan : deadline - _options.TimeProvider.GetUtcNow();
            if (left != Timeout.InfiniteTimeSpan && left <= TimeSpan.Zero)
            {
                throw new TimeoutException();
            }

            await usable.WaitAsync(left, _options.TimeProvider, cancellationToken).ConfigureAwait(false);
        }
    }
}
