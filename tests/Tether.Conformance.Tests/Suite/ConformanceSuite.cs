using Tether.Conformance.Tests.Support;

namespace Tether.Conformance.Tests.Suite;

/// <summary>
/// One suite, compiled once per transport (Kestrel's pattern): every test here runs over each transport's
/// selector. Transport-specific tests live in the per-transport classes.
/// </summary>
public abstract partial class ConformanceSuite
{
    protected abstract TransportUnderTest CreateTransport();

    protected Task<Harness> StartAsync(Action<TetherServerOptions>? configure = null, Action<TetherServer>? setup = null) =>
        Harness.StartAsync(CreateTransport(), configure, setup);
}

public sealed class TcpConformance : ConformanceSuite
{
    protected override TransportUnderTest CreateTransport() => TransportUnderTest.Tcp();
}

public sealed class TlsConformance : ConformanceSuite
{
    protected override TransportUnderTest CreateTransport() => TransportUnderTest.Tls();
}

public sealed class InMemoryConformance : ConformanceSuite
{
    protected override TransportUnderTest CreateTransport() => TransportUnderTest.InMemory();
}

public sealed class QuicConformance : ConformanceSuite
{
    protected override TransportUnderTest CreateTransport() => TransportUnderTest.Quic();
}
