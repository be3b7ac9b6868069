using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;

namespace Tether.Introspection;

/// <summary>Serves <see cref="ISessionAdmin"/> from the server's own session table, to administrators only.</summary>
[Handler]
[Authorize(Roles = IntrospectionNames.AdminRole)]
internal sealed partial class SessionAdminHandler : ISessionAdmin
{
    private const int DefaultLimit = 1000;
    private readonly TetherServer _server;

    public SessionAdminHandler(TetherServer server) => _server = server;

    public ValueTask<SessionList> List(SessionQuery query, CancellationToken cancellationToken)
    {
        if (query.Limit < 0)
        {
            throw new TetherException(TetherErrorCode.InvalidArgument, $"The limit must be 0 (the default) or more, not {query.Limit}.");
        }

        IEnumerable<TetherSession> sessions = query.Group is { } group ? _server.GetGroupMembers(group) : _server.AllSessions;
        TetherSession[] matched = [.. sessions.OrderByDescending(static s => s.ConnectedAt)];
        int limit = query.Limit == 0 ? DefaultLimit : query.Limit;
        return new(new SessionList(matched.Length, [.. matched.Take(limit).Select(Summarize)]));
    }

    public ValueTask<SessionDetail> Show(SessionRef session, CancellationToken cancellationToken)
    {
        TetherSession found = Find(session.Id);
        SessionInfo info = found.GetInfo();
        ClaimsPrincipal? principal = found.AuthenticatedPrincipal;
        string[] roles = principal is null ? [] : [.. principal.FindAll(ClaimTypes.Role).Select(static c => c.Value)];
        return new(new SessionDetail(
            Summarize(found),
            roles,
            info.Groups,
            info.RoundTripTime?.TotalMilliseconds,
            info.BytesSent,
            info.BytesReceived,
            info.FramesSent,
            info.FramesReceived,
            info.CallsFailed,
            info.QueuedBytes,
            info.PushesDropped));
    }

    public async ValueTask<SessionEnded> Terminate(SessionRef session, CallContext context)
    {
        TetherSession found = Find(session.Id);
        if (context.Peer is TetherSession caller && caller.Id == found.Id)
        {
            // Its answer could not reach the caller: the session would be gone before the reply left.
            throw new TetherException(TetherErrorCode.InvalidArgument, "A session cannot end itself through the admin service; close the client instead.");
        }

        SessionState before = found.State;
        await found.Connection.CloseAsync(new TetherException(TetherErrorCode.ConnectionClosed, "An administrator ended the session.")).ConfigureAwait(false);
        return new SessionEnded(found.Id, before);
    }

    private TetherSession Find(Guid id) => _server.TryGetSession(id, out TetherSession? session)
        ? session
        : throw new TetherException(TetherErrorCode.NotFound, $"The server holds no session {id}.");

    private static SessionSummary Summarize(TetherSession session)
    {
        SessionInfo info = session.GetInfo();
        return new SessionSummary(
            info.Id,
            info.State,
            info.RemoteEndPoint?.ToString(),
            info.Transport,
            info.ConnectedAt,
            session.AuthenticatedName,
            info.CallsStarted,
            info.InFlightCalls);
    }
}
