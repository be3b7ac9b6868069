namespace Tether.Samples.Rpc;

[Message(1)]
public sealed partial record Divide(double Dividend, double Divisor);

[Message(2)]
public sealed partial record Quotient(double Value);

/// <summary>Work that runs until the server lets it finish (and honours cancellation).</summary>
[Message(3)]
public sealed partial record Work(int Id);

[Message(4)]
public sealed partial record WorkDone(int Id);

[Message(5)]
public sealed partial record Countdown(int From);

[Message(6)]
public sealed partial record Tick(int Value);
