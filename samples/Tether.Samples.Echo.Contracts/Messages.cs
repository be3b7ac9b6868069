namespace Tether.Samples.Echo;

[Message(1)]
public sealed partial record EchoRequest(string Text);

[Message(2)]
public sealed partial record EchoReply(string Text, Guid ServedBySession);

[Message(3)]
public sealed partial record Shout(string Text);
