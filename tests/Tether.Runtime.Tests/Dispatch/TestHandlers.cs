using System.Runtime.CompilerServices;
using Tether.Runtime.Tests.Messages;

namespace Tether.Runtime.Tests.Dispatch;

[Message(200)]
public partial record struct Ping(int Sequence);

[Message(201)]
public partial record struct Pong(int Sequence, long Echo);

[Message(202)]
public sealed partial record Note(string Text);

[Message(203)]
public sealed partial record Query(int Count, Ping Template);

[Message(204)]
public sealed partial record Slow(int Sequence);

[Message(205)]
public sealed partial record Forget(string Reason);

/// <summary>One method of every dispatchable kind.</summary>
[Handler(ServiceName = "Probe", Version = 3)]
public sealed partial class ProbeHandler
{
    public List<string> Calls { get; } = [];

    public CancellationToken LastToken { get; private set; }

    public TaskCompletionSource<Pong>? SlowReply { get; set; }

    public Slow? LastSlow { get; private set; }

    /// <summary>Unary, completes synchronously: the zero-allocation path.</summary>
    public ValueTask<Pong> Ping(Ping ping, CancellationToken cancellationToken)
    {
        LastToken = cancellationToken;
        return new ValueTask<Pong>(new Pong(ping.Sequence, ping.Sequence * 10L));
    }

    /// <summary>One-way.</summary>
    public void Note(Note note, CallContext context)
    {
        Calls.Add("note:" + note.Text);
        LastToken = context.CancellationToken;
    }

    /// <summary>Unary with an empty reply.</summary>
    public async ValueTask Forget(Forget forget)
    {
        await Task.Yield();
        Calls.Add("forget:" + forget.Reason);
    }

    /// <summary>Unary completing later, through Task&lt;T&gt;.</summary>
    public Task<Pong> Slow(Slow slow, CallContext context, CancellationToken cancellationToken)
    {
        LastSlow = slow;
        return SlowReply!.Task;
    }

    /// <summary>Server streaming.</summary>
    public async IAsyncEnumerable<Pong> Query(Query query, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        for (int i = 0; i < query.Count; i++)
        {
            await Task.Yield();
            yield return new Pong(query.Template.Sequence + i, i);
        }
    }

    /// <summary>Not a handler method: its first parameter is not a message.</summary>
    public int Helper(int value) => value;

    /// <summary>A message type that is not handled here: nested message shapes still appear in capabilities.</summary>
    public ValueTask<Order> Lookup(ItemV1 item) => new(new Order(item.Id, 0, 0, item.Name, false, 0));
}
