namespace Tether.Samples.Rpc;

[Message(1)]
public sealed partial record Divide(double Dividend, double Divisor);

[Message(2)]
public sealed partial record Quotient(double Value);

/// <summary>Work that takes a while (and honours cancellation).</summary>
[Message(3)]
public sealed partial record Work(int Id, int Milliseconds);

[Message(4)]
public sealed partial record WorkDone(int Id);

[Message(5)]
public sealed partial record Countdown(int From);

[Message(6)]
public sealed partial record Tick(int Value);
