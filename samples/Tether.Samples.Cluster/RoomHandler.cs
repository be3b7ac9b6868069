using Tether.Redis;

namespace Tether.Samples.Cluster;

/// <summary>
/// Server side, one per session: rooms are cluster-wide groups, lines go through the Redis backplane; the session itself
/// is kept in Redis, so its client resumes it on another node.
/// </summary>
[Handler(ServiceName = "Rooms")]
public sealed partial class RoomHandler(TetherSession session, TetherRedisBackplane backplane)
{
    public async ValueTask<Joined> Join(JoinRoom join)
    {
        await backplane.AddToGroupAsync(session.Id, join.Room);
        long members = await backplane.CountGroupMembersAsync(join.Room);
        return new Joined(join.Room, members, backplane.NodeId, session.Id.ToString("N"));
    }

    public async ValueTask<Done> Say(Say say)
    {
        await backplane.BroadcastToGroupAsync(say.Room, new Line(say.Room, backplane.NodeId, say.Number));
        return new Done(true);
    }

    public async ValueTask<Done> Announce(Announce announce)
    {
        await backplane.BroadcastAsync(new Line("*", backplane.NodeId, announce.Number));
        return new Done(true);
    }

    /// <summary>Answers with the node that handled it (a client sees which node its session is on).</summary>
    public Line Echo(Say say) => new(say.Room, backplane.NodeId, say.Number);

    /// <summary>Pushes the line back to this session only.</summary>
    public ValueTask Ping(Say say) => session.SendAsync(new Line(say.Room, backplane.NodeId, say.Number));

    public async ValueTask<Done> Whisper(Whisper whisper)
    {
        await backplane.SendToSessionAsync(Guid.ParseExact(whisper.Session, "N"), new Line("whisper", backplane.NodeId, whisper.Number));
        return new Done(true);
    }
}

/// <summary>Client side: the lines a client was pushed, in the order they arrived.</summary>
[Handler(ServiceName = "RoomView")]
public sealed partial class RoomView
{
    private readonly Lock _lock = new();
    private readonly List<Line> _lines = [];

    public void Show(Line line)
    {
        lock (_lock)
        {
            _lines.Add(line);
        }
    }

    public IReadOnlyList<Line> Lines
    {
        get
        {
            lock (_lock)
            {
                return [.. _lines];
            }
        }
    }
}
