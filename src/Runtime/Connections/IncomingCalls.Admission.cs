using System.Buffers;
using Tether.Framing;

namespace Tether.Connections;

/// <summary>
/// Admission of a server's incoming calls under security (<c>docs/security.md</c>): the method's authorization, then its
/// rate limits, before the call takes a slot. Without security configured none of this runs.
/// </summary>
internal sealed partial class IncomingCalls
{
    /// <summary>
    /// Server calls under security: the method's authorization (remembered per session and method, so a steady call
    /// costs one array read), then its rate limits. The first call of a method on a session is authorized
    /// asynchronously while the receive loop waits, so calls keep their order.
    /// </summary>
    private ValueTask Admit(Security.ServerSecurity security, in FrameHeader header, in ReadOnlySequence<byte> body, bool expectsReply, bool stream, HandlerRoute route, IncomingCallHeaders? headers, CallLane? lane)
    {
        Security.SessionIdentity identity = _connection.Identity!;
        Security.AuthorizationDecision decision = security.Authorizer.Check(identity, route);
        if (decision == Security.AuthorizationDecision.Unknown)
        {
            return AuthorizeThenAdmitAsync(security, identity, header, body.ToArray(), expectsReply, stream, route, headers, lane);
        }

        if (decision != Security.AuthorizationDecision.Allowed)
        {
            (TetherErrorCode code, string message) = security.Refused(Id, identity, route.Method, decision);
            RefuseCall(header, expectsReply, code, message, lane);
            return default;
        }

        Security.SecurityPolicy policy = security.Current;
        if (!policy.LimitsCalls)
        {
            return Continue(header, body, expectsReply, stream, route, headers, lane, default);
        }

        if (Security.CallLeases.TryAcquire(policy, _connection, route, out Security.CallLeases leases, out string? refusedBy, out TimeSpan? retryAfter))
        {
            return Continue(header, body, expectsReply, stream, route, headers, lane, leases);
        }

        security.OnRateLimited(Id, identity, route.Method, refusedBy!);
        if (!expectsReply && lane is null)
        {
            // A one-way message has no one to refuse to: wait for its permit (the sender slows down; nothing is lost).
            return WaitForPermitThenContinueAsync(policy, header, body.ToArray(), route, headers);
        }

        RefuseRateLimited(header, expectsReply, refusedBy!, retryAfter, lane);
        return default;
    }

    private async ValueTask AuthorizeThenAdmitAsync(Security.ServerSecurity security, Security.SessionIdentity identity, FrameHeader header, byte[] body, bool expectsReply, bool stream, HandlerRoute route, IncomingCallHeaders? headers, CallLane? lane)
    {
        try
        {
            await security.Authorizer.AuthorizeAsync(identity, route).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // An authorization handler that throws denies the call (and is logged); it must not take the link down.
            (TetherErrorCode code, string message) = security.AuthorizationFailed(Id, identity, route.Method, e);
            RefuseCall(header, expectsReply, code, message, lane);
            return;
        }

        await Admit(security, header, new ReadOnlySequence<byte>(body), expectsReply, stream, route, headers, lane).ConfigureAwait(false);
    }

    private async ValueTask WaitForPermitThenContinueAsync(Security.SecurityPolicy policy, FrameHeader header, byte[] body, HandlerRoute route, IncomingCallHeaders? headers)
    {
        Security.CallLeases leases;
        try
        {
            leases = await Security.CallLeases.AcquireAsync(policy, _connection, route, _connection.Time, _connection.SessionStopToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return; // the session ended
        }

        await Continue(header, new ReadOnlySequence<byte>(body), expectsReply: false, stream: false, route, headers, lane: null, leases).ConfigureAwait(false);
    }

    /// <summary>A refusal by a rate limit: the typed error, with the limiter's wait as <c>tether-retry-after-ms</c> trailing metadata.</summary>
    private void RefuseRateLimited(in FrameHeader header, bool expectsReply, string policy, TimeSpan? retryAfter, CallLane? lane)
    {
        string message = retryAfter is { } wait
            ? $"Rate limit '{policy}' reached; try again in {wait.TotalMilliseconds:0} ms."
            : $"Rate limit '{policy}' reached; try again later.";
        CallMetadata? trailers = null;
        if (retryAfter is { } after)
        {
            trailers = new CallMetadata();
            trailers.Add(CallMetadata.RetryAfterKey, ((long)Math.Ceiling(after.TotalMilliseconds)).ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        RefuseCall(header, expectsReply, TetherErrorCode.RateLimited, message, lane, trailers);
    }
}
