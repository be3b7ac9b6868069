namespace Tether.Conformance.Tests.Support;

[Message(1)]
public sealed partial record EchoRequest(long Id, string Text);

[Message(2)]
public sealed partial record EchoReply(long Id, string Text);

/// <summary>Primitive members only: the allocation budget is measured with it.</summary>
[Message(3)]
public partial record struct Sample(long Id, int Quantity, double Price, bool Flag);

[Message(4)]
public sealed partial record SlowRequest(int Id);

[Message(5)]
public sealed partial record FailRequest(string Reason, bool Typed);

[Message(6)]
public sealed partial record Notice(long Sequence, string Text);

[Message(7)]
public sealed partial record CountRequest(int Count, bool Endless);

[Message(8)]
public partial record struct Tick(int Sequence);

[Message(9)]
public sealed partial record BlockRequest(int Id);

[Message(10)]
public sealed partial record Payload(byte[] Data);

[Message(11)]
public sealed partial record Inflate(int Size);

/// <summary>No handler takes it: the unknown-message test sends it.</summary>
[Message(99)]
public sealed partial record Unhandled(int Value);

[Message(70)]
public sealed partial record HeaderProbe(int Id);

/// <summary>What a call-headers handler saw: the metadata (key=value; binary as hex), and the budget left to its deadline in ms (-1: none).</summary>
[Message(71)]
public sealed partial record HeaderEcho(int Id, string Seen, long DeadlineMs);

[Message(72)]
public sealed partial record DeadlineProbe(int Id);

[Message(73)]
public sealed partial record RelayRequest(int Id);

[Message(74)]
public sealed partial record DownstreamRequest(int Id, bool ToExpire);

[Message(80)]
public sealed partial record VaultProbe(int Id);

/// <summary>Who the server saw: the principal's name (empty when anonymous) and its authentication type.</summary>
[Message(81)]
public sealed partial record VaultReply(int Id, string Name, string AuthenticationType);
