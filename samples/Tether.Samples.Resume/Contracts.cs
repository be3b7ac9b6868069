namespace Tether.Samples.Resume;

/// <summary>One numbered sensor reading, sent one-way: the sequence lets the server prove exactly-once, in-order delivery.</summary>
[Message(1)]
public partial record struct Reading(long Sequence, double Celsius);

/// <summary>Asks the server what it has received so far.</summary>
[Message(2)]
public partial record struct TallyRequest(long Expected);

/// <summary>What the server received: how many readings, and the first gap or repeat it saw (empty when none).</summary>
[Message(3)]
public sealed partial record Tally(long Received, string FirstFault);
