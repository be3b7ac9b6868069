namespace Tether.Samples.Durable;

/// <summary>The client's numbered one-way message.</summary>
[Message(1)]
public partial record struct Tick(long N);

/// <summary>The server's echo of a tick, pushed to the client that sent it.</summary>
[Message(2)]
public partial record struct Tock(long N);

/// <summary>A call: double this.</summary>
[Message(3)]
public partial record struct DoubleRequest(long N);

/// <summary>The reply.</summary>
[Message(4)]
public partial record struct Doubled(long N);
