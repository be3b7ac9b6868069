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

/// <summary>A reservation: an idempotent call, retried by clients and answered once per idempotency key.</summary>
[Message(5)]
public partial record struct ReserveRequest(long Order, long Amount);

/// <summary>The reservation made: <see cref="Runs"/> counts the handler's runs for the order (1 when it ran once).</summary>
[Message(6)]
public partial record struct Reservation(long Order, long Amount, int Runs);
