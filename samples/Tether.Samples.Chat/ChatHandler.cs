
namespace Tether.Samples.Chat;

/// <summary>Server side, one instance per session: remembers who the session is and which room it is in.</summary>
[Handler(ServiceName = "Chat")]
public sealed partial class ChatHandler(TetherSession session)
{
    private string _name = "anonymous";
    private string? _room;

    public Joined Join(Join join)
    {
        TetherServer server = session.Server;
        if (_room is not null)
        {
            server.RemoveFromGroup(session, _room);
        }

        _name = join.Name;
        _room = join.Room;
        server.AddToGroup(session, join.Room);
        server.BroadcastToGroup(join.Room, new ChatLine(join.Room, "server", $"{join.Name} joined"), exceptSessionId: session.Id);
        return new Joined(join.Room, server.GetGroupMembers(join.Room).Count);
    }

    public void Say(Say say)
    {
        if (_room is not null)
        {
            session.Server.BroadcastToGroup(_room, new ChatLine(_room, _name, say.Text));
        }
    }
}

/// <summary>Client side: the lines a user sees.</summary>
[Handler(ServiceName = "ChatView")]
public sealed partial class ChatView
{
    private readonly System.Threading.Channels.Channel<ChatLine> _lines = System.Threading.Channels.Channel.CreateUnbounded<ChatLine>();

    public void Show(ChatLine line) => _lines.Writer.TryWrite(line);

    public async Task<ChatLine> NextAsync(CancellationToken cancellationToken) => await _lines.Reader.ReadAsync(cancellationToken);

    public int Unread => _lines.Reader.Count;
}
