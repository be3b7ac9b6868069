
namespace Tether.Samples.Echo;

/// <summary>Echoes requests back, and counts one-way shouts.</summary>
[Handler]
public sealed partial class EchoHandler : IEcho
{
    private int _shouts;

    public int Shouts => Volatile.Read(ref _shouts);

    public ValueTask<EchoReply> Echo(EchoRequest request, CallContext context) =>
        new(new EchoReply(request.Text, context.Peer is TetherSession session ? session.Id : Guid.Empty));

    public void Shout(Shout shout) => Interlocked.Increment(ref _shouts);
}
