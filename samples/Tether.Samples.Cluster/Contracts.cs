namespace Tether.Samples.Cluster;

[Message(1)]
public sealed partial record JoinRoom(string Room);

/// <summary>The room's size across every node, and which node and session the caller is on.</summary>
[Message(2)]
public sealed partial record Joined(string Room, long Members, string Node, string Session);

/// <summary>Say a numbered line in a room (to everyone in it, on every node).</summary>
[Message(3)]
public sealed partial record Say(string Room, long Number);

/// <summary>Pushed to the clients: a line said in a room (or to everyone, or to one session), with the node it came through.</summary>
[Message(4)]
public sealed partial record Line(string Room, string Node, long Number);

/// <summary>Say a numbered line to every session of every node.</summary>
[Message(5)]
public sealed partial record Announce(long Number);

/// <summary>Say a numbered line to one session, on whichever node it is.</summary>
[Message(6)]
public sealed partial record Whisper(string Session, long Number);

[Message(7)]
public sealed partial record Done(bool Ok);
