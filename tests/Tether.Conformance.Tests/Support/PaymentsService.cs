using System.Collections.Concurrent;

namespace Tether.Conformance.Tests.Support;

/// <summary>A charge: <see cref="Block"/> makes the handler wait for the probe's gate; <see cref="FailTimes"/> makes its first runs fail retryably.</summary>
[Message(90)]
public sealed partial record ChargeRequest(string Order, long Amount, bool Block, int FailTimes);

/// <summary>What a charge did: the handler's run number for this order (1 = the first and only run).</summary>
[Message(91)]
public sealed partial record ChargeReply(string Order, long Amount, int Run);

/// <summary>A service whose charges are idempotent (retried, keyed) and whose transfers are not.</summary>
[Service(Name = "Payments")]
public partial interface IPayments
{
    /// <summary>Retried under the client's policy, each attempt with the same idempotency key.</summary>
    [Method(Idempotent = true)]
    ValueTask<ChargeReply> Charge(ChargeRequest request, CallContext context);

    /// <summary>Not idempotent: never retried unless the caller gives a policy.</summary>
    ValueTask<ChargeReply> Transfer(ChargeRequest request, CallContext context);

    /// <summary>
    /// Two receipts (amounts <c>Amount</c> and <c>Amount + 1</c>), retried until the first arrives. A run within
    /// <c>FailTimes</c> fails retryably before its first receipt, or with <c>Block</c> after it.
    /// </summary>
    [Method(Idempotent = true)]
    IAsyncEnumerable<ChargeReply> Receipts(ChargeRequest request, CancellationToken cancellationToken);
}

/// <summary>Counts the runs per order; blocks and fails when asked. Ignores its token once started, as committed work would.</summary>
[Handler]
public sealed partial class PaymentsHandler(Probe probe) : IPayments
{
    public ConcurrentDictionary<string, int> Runs { get; } = new(StringComparer.Ordinal);

    /// <summary>When set, a failing run asks the caller to wait this long (the rate-limit trailer) before trying again.</summary>
    public TimeSpan? RetryAfter { get; set; }

    public ValueTask<ChargeReply> Charge(ChargeRequest request, CallContext context) => RunAsync(request, context);

    public ValueTask<ChargeReply> Transfer(ChargeRequest request, CallContext context) => RunAsync(request, context);

    public async IAsyncEnumerable<ChargeReply> Receipts(ChargeRequest request, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        int run = Runs.AddOrUpdate(request.Order, 1, static (_, n) => n + 1);
        bool fails = run <= request.FailTimes;
        if (fails && !request.Block)
        {
            throw new TetherException(TetherErrorCode.InFlightCallsExceeded, $"busy before the first receipt (run {run})");
        }

        yield return new ChargeReply(request.Order, request.Amount, run);
        await Task.Yield();
        if (fails)
        {
            throw new TetherException(TetherErrorCode.InFlightCallsExceeded, $"busy after the first receipt (run {run})");
        }

        yield return new ChargeReply(request.Order, request.Amount + 1, run);
    }

    private async ValueTask<ChargeReply> RunAsync(ChargeRequest request, CallContext context)
    {
        int run = Runs.AddOrUpdate(request.Order, 1, static (_, n) => n + 1);
        probe.Log.Enqueue($"{context.Method?.Name} {request.Order} run {run} key {context.IdempotencyKey ?? "none"}");
        if (run <= request.FailTimes)
        {
            if (RetryAfter is { } wait)
            {
                context.ResponseTrailers.Set(CallMetadata.RetryAfterKey, ((long)wait.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture));
                throw new TetherException(TetherErrorCode.RateLimited, $"slow down (run {run})");
            }

            throw new TetherException(TetherErrorCode.InFlightCallsExceeded, $"busy (run {run})");
        }

        if (request.Block)
        {
            probe.Started.Writer.TryWrite(run);
            await probe.Gate.Task.ConfigureAwait(false);
        }

        return new ChargeReply(request.Order, request.Amount, run);
    }
}
