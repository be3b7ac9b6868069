namespace Tether.Introspection;

/// <summary>
/// The built-in session administration service (<c>tether.Sessions</c>): list, show and end a server's sessions. Off
/// by default (<see cref="TetherServerOptions.EnableSessionAdmin"/>); only a principal in role
/// <see cref="IntrospectionNames.AdminRole"/> may call it (an API key created with that role, a token or certificate
/// whose authenticator grants it).
/// </summary>
[Service(Name = IntrospectionNames.SessionAdmin)]
public partial interface ISessionAdmin
{
    /// <summary>The sessions the server holds (connected, or waiting for their client to resume), newest first.</summary>
    ValueTask<SessionList> List(SessionQuery query, CancellationToken cancellationToken);

    /// <summary>One session in detail; <see cref="TetherErrorCode.NotFound"/> when the server does not hold it.</summary>
    ValueTask<SessionDetail> Show(SessionRef session, CancellationToken cancellationToken);

    /// <summary>Ends a session for good (it cannot resume); <see cref="TetherErrorCode.NotFound"/> when the server does not hold it.</summary>
    ValueTask<SessionEnded> Terminate(SessionRef session, CallContext context);
}

/// <summary>Which sessions to list.</summary>
/// <param name="Group">Only members of this group; null for every session.</param>
/// <param name="Limit">At most this many (newest first); 0 for the default of 1,000.</param>
[Message(BuiltInMessageIds.SessionQuery)]
public sealed partial record SessionQuery(string? Group, int Limit);

/// <summary>Sessions, newest first.</summary>
/// <param name="Total">How many sessions matched (the list may hold fewer, see <see cref="SessionQuery.Limit"/>).</param>
/// <param name="Sessions">The sessions.</param>
[Message(BuiltInMessageIds.SessionList)]
public sealed partial record SessionList(int Total, IReadOnlyList<SessionSummary> Sessions);

/// <summary>One session in a list.</summary>
/// <param name="Id">The session's id.</param>
/// <param name="State">Its state (Active, Resuming…).</param>
/// <param name="RemoteAddress">The client's address on its current (or last) link.</param>
/// <param name="Transport">The transport's name.</param>
/// <param name="ConnectedAt">When the session started.</param>
/// <param name="Principal">Who the client authenticated as (the principal's name, else its subject), or null when anonymous.</param>
/// <param name="CallsStarted">Calls the client has made.</param>
/// <param name="InFlightCalls">Calls running now.</param>
[Message(BuiltInMessageIds.SessionSummary)]
public sealed partial record SessionSummary(Guid Id, SessionState State, string? RemoteAddress, string Transport, DateTimeOffset ConnectedAt, string? Principal, long CallsStarted, int InFlightCalls);

/// <summary>Names one session.</summary>
/// <param name="Id">The session's id.</param>
[Message(BuiltInMessageIds.SessionRef)]
public sealed partial record SessionRef(Guid Id);

/// <summary>One session in detail.</summary>
/// <param name="Summary">What a list shows.</param>
/// <param name="Roles">The roles of its principal.</param>
/// <param name="Groups">The groups it belongs to.</param>
/// <param name="RoundTripMilliseconds">The last measured round trip, if any.</param>
/// <param name="BytesSent">Bytes the server sent it.</param>
/// <param name="BytesReceived">Bytes received from it.</param>
/// <param name="FramesSent">Frames sent.</param>
/// <param name="FramesReceived">Frames received.</param>
/// <param name="CallsFailed">Its calls that failed.</param>
/// <param name="QueuedBytes">Bytes waiting in its send queue.</param>
/// <param name="PushesDropped">Pushes dropped because its queue was full.</param>
[Message(BuiltInMessageIds.SessionDetail)]
public sealed partial record SessionDetail(
    SessionSummary Summary,
    IReadOnlyList<string> Roles,
    IReadOnlyList<string> Groups,
    double? RoundTripMilliseconds,
    long BytesSent,
    long BytesReceived,
    long FramesSent,
    long FramesReceived,
    long CallsFailed,
    long QueuedBytes,
    long PushesDropped);

/// <summary>The answer to <see cref="ISessionAdmin.Terminate"/>.</summary>
/// <param name="Id">The session that was ended.</param>
/// <param name="PreviousState">Its state before it was ended.</param>
[Message(BuiltInMessageIds.SessionEndResult)]
public sealed partial record SessionEnded(Guid Id, SessionState PreviousState);
