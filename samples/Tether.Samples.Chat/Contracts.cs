namespace Tether.Samples.Chat;

[Message(1)]
public sealed partial record Join(string Room, string Name);

[Message(2)]
public sealed partial record Joined(string Room, int Members);

/// <summary>One-way: say something in the room you joined.</summary>
[Message(3)]
public sealed partial record Say(string Text);

/// <summary>Pushed by the server to everyone in a room (or everyone, for announcements).</summary>
[Message(4)]
public sealed partial record ChatLine(string Room, string From, string Text);
