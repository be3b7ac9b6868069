using System.Buffers;
using System.Runtime.ExceptionServices;
using Tether.Server.Idempotency;

namespace Tether.Connections;

/// <summary>
/// Unary calls that carry an idempotency key (decision 0022): the first with its key runs and its answer is kept; a
/// repeat is answered from that without running the handler, or waits while the first still runs.
/// </summary>
internal sealed partial class IncomingCalls
{
    private ValueTask InvokeWithKey(IdempotencyCache kept, IncomingCall call, HandlerRoute route, in ReadOnlySequence<byte> payload, byte[] key)
    {
        string principal = PrincipalOf(call);
        byte[] hash = IdempotencyCache.HashRequest(payload);
        IdempotencyClaim claim = kept.Claim(route.MethodId, principal, key, hash);
        return claim.Kind switch
        {
            IdempotencyClaimKind.Run => RunAndKeep(kept, claim.Entry!, call, route, payload),
            IdempotencyClaimKind.Replay => Replay(call, claim.Result!),
            IdempotencyClaimKind.Mismatch => throw new TetherException(TetherErrorCode.IdempotencyKeyReused,
                $"Idempotency key '{Convert.ToBase64String(key)}' was used before for {call.Method?.FullName ?? "this method"} with a different request."),
            _ => WaitThenRunAsync(kept, call, route, payload.ToArray(), key, principal, hash, claim.Running!),
        };
    }

    /// <summary>Keys are scoped to the caller: one principal's key never answers another's call.</summary>
    private static string PrincipalOf(IncomingCall call) =>
        call.User.Identity is { IsAuthenticated: true } identity ? $"{identity.AuthenticationType}:{identity.Name}" : "";

    private ValueTask Replay(IncomingCall call, IdempotentResult result)
    {
        _connection.Metrics.OnIdempotentReplay(call.Method?.FullName ?? "unknown");
        return call.ReplayAnswer(result);
    }

    /// <summary>A repeat arrived while the first call with its key ran: once that one ends, answer from its result, or (it kept none) run.</summary>
    private async ValueTask WaitThenRunAsync(IdempotencyCache kept, IncomingCall call, HandlerRoute route, byte[] payload, byte[] key, string principal, byte[] hash, Task running)
    {
        while (true)
        {
            await running.WaitAsync(call.CancellationToken).ConfigureAwait(false);
            IdempotencyClaim claim = kept.Claim(route.MethodId, principal, key, hash);
            switch (claim.Kind)
            {
                case IdempotencyClaimKind.Run:
                    await RunAndKeep(kept, claim.Entry!, call, route, new ReadOnlySequence<byte>(payload)).ConfigureAwait(false);
                    return;
                case IdempotencyClaimKind.Replay:
                    await Replay(call, claim.Result!).ConfigureAwait(false);
                    return;
                case IdempotencyClaimKind.Mismatch:
                    throw new TetherException(TetherErrorCode.IdempotencyKeyReused, "The idempotency key was used before with a different request.");
                default:
                    running = claim.Running!; // another repeat claimed it first
                    break;
            }
        }
    }

    /// <summary>Runs the handler with its answer held, keeps what it answered, then lets the answer go out.</summary>
    private ValueTask RunAndKeep(IdempotencyCache kept, IdempotencyEntry entry, IncomingCall call, HandlerRoute route, in ReadOnlySequence<byte> payload)
    {
        call.HoldAnswer();
        ValueTask handler;
        try
        {
            handler = Invoke(call, route, payload);
        }
        catch (Exception e)
        {
            handler = ValueTask.FromException(e);
        }

        return KeepAsync(kept, entry, call, handler);
    }

    private async ValueTask KeepAsync(IdempotencyCache kept, IdempotencyEntry entry, IncomingCall call, ValueTask handler)
    {
        Exception? error = null;
        try
        {
            await handler.ConfigureAwait(false);
        }
        catch (Exception e)
        {
            error = e;
        }

        if (Capture(kept, call, error) is not { } result)
        {
            kept.Abandon(entry);
        }
        else
        {
            try
            {
                await kept.KeepAsync(entry, result).ConfigureAwait(false); // durable before the answer leaves
            }
            catch (Exception e) when (e is TetherException or ObjectDisposedException)
            {
                ConnectionLog.IdempotencyNotDurable(Logger, call.Method?.FullName ?? "unknown", e); // kept in memory; answered anyway
            }
        }

        if (error is not null)
        {
            ExceptionDispatchInfo.Throw(error);
        }
    }

    /// <summary>
    /// The answer worth keeping: a reply (or, past the size bound, the fact that there was one), an empty reply, or an
    /// error a repeat would meet again. Cancellations and retryable failures keep nothing: a repeat runs the handler.
    /// </summary>
    private IdempotentResult? Capture(IdempotencyCache kept, IncomingCall call, Exception? error)
    {
        CallMetadata? trailers = call.Trailers is { Count: > 0 } set ? set.Copy() : null;
        if (error is null)
        {
            if (call.HeldKind != HeldAnswerKind.Reply)
            {
                return new IdempotentResult { Kind = IdempotentAnswerKind.Empty, Trailers = trailers };
            }

            return call.HeldBody.Length > kept.MaxResultBytes
                ? new IdempotentResult { Kind = IdempotentAnswerKind.NotKept }
                : new IdempotentResult { Kind = IdempotentAnswerKind.Reply, MessageId = call.HeldMessageId, Body = call.HeldBody.ToArray(), Trailers = trailers };
        }

        if (call.CanceledByPeer || error is OperationCanceledException)
        {
            return null;
        }

        (TetherErrorCode code, string message) = Describe(call, error);
        return TetherErrors.CategoryOf(code) is null || TetherErrors.IsRetryable(code)
            ? null
            : new IdempotentResult { Kind = IdempotentAnswerKind.Error, Code = code, Message = message, Trailers = trailers };
    }
}
