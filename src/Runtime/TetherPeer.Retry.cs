using System.Runtime.ExceptionServices;
using Tether.Calls;
using Tether.Connections;

namespace Tether;

/// <summary>
/// Retried calls (<see cref="RetryPolicy"/>, decision 0022): the network end of a unary call that may be retried runs its
/// attempts here, each carrying the same idempotency key, within one deadline for them all; a server stream is retried
/// until it is committed (its first item or its end arrived).
/// </summary>
public abstract partial class TetherPeer
{
    /// <summary>The policy for calls of methods marked idempotent, or null when this side retries nothing (a server's session).</summary>
    private protected virtual RetryPolicy? ClientRetry => null;

    /// <summary>The budget every retried call of this peer shares, or null.</summary>
    private protected virtual RetryBudget? Budget => null;

    /// <summary>
    /// The connection to make an attempt on: the current one, or (a client whose session is being replaced) the next one
    /// once it is usable, waiting at most until <paramref name="deadline"/>.
    /// </summary>
    private protected virtual ValueTask<TetherConnection> ConnectionForAttemptAsync(DateTimeOffset deadline, CancellationToken cancellationToken) =>
        new(Connection);

    /// <summary>Whether a call to <paramref name="method"/> without options may be retried (checked on the plain path: one field read when no method is idempotent).</summary>
    private bool RetriesWithoutOptions(MethodDescriptor? method) => method is { IsIdempotent: true } && ClientRetry is { MaxAttempts: > 1 };

    /// <summary>The policy a call goes out under, or null for one attempt.</summary>
    private RetryPolicy? RetryFor(MethodDescriptor? method, in CallOptions options)
    {
        RetryPolicy? policy = options.Retry ?? (method is { IsIdempotent: true } ? ClientRetry : null);
        return policy is { MaxAttempts: > 1 } ? policy : null;
    }

    private async ValueTask<TResponse> RetryUnaryAsync<TRequest, TResponse>(MethodDescriptor? method, TRequest request, CallOptions options, RetryPolicy policy)
        where TRequest : IMessage<TRequest>
        where TResponse : IMessage<TResponse>
    {
        TetherConnection connection = Connection;
        (options, DateTimeOffset deadline) = PrepareAttempts(connection, options);
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                TResponse reply = await connection.RequestAsync<TRequest, TResponse>(method?.Id ?? 0, in request, in options, Observe<TRequest>(connection, method)).ConfigureAwait(false);
                Budget?.OnSuccess();
                return reply;
            }
            catch (TetherException e)
            {
                connection = await BeforeNextAttemptAsync(connection, NameOf<TRequest>(method), e, attempt, policy, deadline, options.CancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async ValueTask RetryEmptyAsync<TRequest>(MethodDescriptor? method, TRequest request, CallOptions options, RetryPolicy policy)
        where TRequest : IMessage<TRequest>
    {
        TetherConnection connection = Connection;
        (options, DateTimeOffset deadline) = PrepareAttempts(connection, options);
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                await connection.RequestEmptyAsync(method?.Id ?? 0, in request, in options, Observe<TRequest>(connection, method)).ConfigureAwait(false);
                Budget?.OnSuccess();
                return;
            }
            catch (TetherException e)
            {
                connection = await BeforeNextAttemptAsync(connection, NameOf<TRequest>(method), e, attempt, policy, deadline, options.CancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Opens a server stream of a method that may be retried: an attempt that fails before anything arrived — its
    /// first item or its end — is made again under <paramref name="policy"/>, as gRPC retries a call until it is
    /// committed. From then on the stream is the caller's: a later failure reaches the caller after the items before
    /// it, since a new attempt would deliver them again. A stream carries no idempotency key (the server keeps no stream
    /// results) and no default timeout; the attempts share the caller's deadline, if it gave one.
    /// </summary>
    private async ValueTask<OpenedStream<TItem>> OpenRetriedStreamAsync<TRequest, TItem>(MethodDescriptor? method, TRequest request, StreamItemReader<TItem> read, CallOptions options, RetryPolicy policy)
        where TRequest : IMessage<TRequest>
    {
        TetherConnection connection = Connection;
        (options, DateTimeOffset deadline) = PrepareAttempts(connection, options, Timeout.InfiniteTimeSpan, keyed: false);
        for (int attempt = 1; ; attempt++)
        {
            OpenedStream<TItem>? stream = null;
            try
            {
                stream = OpenStream(method, request, read, options);
                await stream.Call.Reader.WaitToReadAsync(stream.Token).ConfigureAwait(false); // an item, or the end: committed
                Budget?.OnSuccess();
                return stream;
            }
            catch (TetherException e)
            {
                Abandon(stream);
                connection = await BeforeNextAttemptAsync(connection, NameOf<TRequest>(method), e, attempt, policy, deadline, options.CancellationToken).ConfigureAwait(false);
            }
            catch
            {
                Abandon(stream);
                throw;
            }
        }

        static void Abandon(OpenedStream<TItem>? failed)
        {
            failed?.Close();
            failed?.Dispose();
        }
    }

    /// <summary>
    /// Fixes what all attempts share: one absolute deadline (the options', else the default timeout's, counted from now:
    /// it travels with each attempt, so a handler stops when the caller would) and one idempotency key.
    /// </summary>
    private static (CallOptions Options, DateTimeOffset Deadline) PrepareAttempts(TetherConnection connection, CallOptions options) =>
        PrepareAttempts(connection, options, connection.DefaultCallTimeout, keyed: true);

    private static (CallOptions Options, DateTimeOffset Deadline) PrepareAttempts(TetherConnection connection, CallOptions options, TimeSpan defaultTimeout, bool keyed)
    {
        DateTimeOffset now = connection.Time.GetUtcNow();
        TimeSpan timeout = options.Timeout ?? (options.Deadline is null && options.PropagateFrom?.Deadline is null ? defaultTimeout : Timeout.InfiniteTimeSpan);
        DateTimeOffset deadline = timeout == Timeout.InfiniteTimeSpan || timeout >= TimeSpan.FromDays(365) ? DateTimeOffset.MaxValue : now + timeout;
        if (options.Deadline is { } given && given < deadline)
        {
            deadline = given;
        }

        if (options.PropagateFrom?.Deadline is { } inherited && inherited < deadline)
        {
            deadline = inherited;
        }

        CallOptions fixedOptions = options with
        {
            Timeout = deadline == DateTimeOffset.MaxValue ? Timeout.InfiniteTimeSpan : null,
            Deadline = deadline == DateTimeOffset.MaxValue ? null : deadline,
            IdempotencyKey = keyed ? options.IdempotencyKey ?? Guid.NewGuid().ToString("N") : options.IdempotencyKey,
        };
        return (fixedOptions, deadline);
    }

    /// <summary>
    /// After attempt <paramref name="attempt"/> failed with <paramref name="failure"/>: rethrows it unless the policy, the
    /// budget and the deadline allow another attempt; else waits the backoff (or the failure's RetryAfter) and returns the
    /// connection to make it on.
    /// </summary>
    private async ValueTask<TetherConnection> BeforeNextAttemptAsync(TetherConnection connection, string method, TetherException failure, int attempt, RetryPolicy policy, DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        if (attempt >= policy.MaxAttempts || !policy.IsRetryable(failure.Code) || cancellationToken.IsCancellationRequested
            || !(Budget?.OnFailure() ?? true))
        {
            ExceptionDispatchInfo.Throw(failure);
        }

        TimeSpan delay = failure.RetryAfter ?? policy.BackoffBefore(attempt + 1, Random.Shared);
        TimeProvider time = connection.Time;
        if (time.GetUtcNow() + delay >= deadline)
        {
            ExceptionDispatchInfo.Throw(failure); // the wait alone would spend the call's time
        }

        connection.Metrics.OnRetry(method, failure.Code);

        // The wait starts before it is logged, so whoever reads the entry (a test on a fake clock) finds it running.
        Task wait = delay > TimeSpan.Zero ? Task.Delay(delay, time, cancellationToken) : Task.CompletedTask;
        ConnectionLog.CallRetrying(connection.Logger, method, failure.Code, attempt, (long)delay.TotalMilliseconds);
        await wait.ConfigureAwait(false);

        try
        {
            return await ConnectionForAttemptAsync(deadline, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            ExceptionDispatchInfo.Throw(failure); // no usable session came back before the deadline
            throw;
        }
    }
}
