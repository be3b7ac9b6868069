using Tether.Dispatch;
using Tether.Server;

namespace Tether.Samples.Echo;

/// <summary>Echoes requests back, and counts one-way shouts.</summary>
[Handler(ServiceName = "Echo")]
public sealed partial class EchoHandler
{
    private int _shouts;

    public int Shouts => Volatile.Read(ref _shouts);

    public EchoReply Echo(EchoRequest request, CallContext context) =>
        new(request.Text, (context.Peer as TetherSession)?.Id ?? 0);

    public void Shout(Shout shout) => Interlocked.Increment(ref _shouts);
}
