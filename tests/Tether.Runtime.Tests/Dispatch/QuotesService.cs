using System.Runtime.CompilerServices;

namespace Tether.Runtime.Tests.Dispatch;

/// <summary>
/// A service interface with one method of each kind, where three methods take the same message (<see cref="Ping"/>):
/// two unary ones (one with a pinned id) and a stream.
/// </summary>
[Service]
public partial interface IQuotes
{
    ValueTask<Pong> Latest(Ping ping, CancellationToken cancellationToken);

    [Method(Id = 77)]
    ValueTask<Pong> Pinned(Ping ping);

    IAsyncEnumerable<Pong> Stream(Ping ping, CancellationToken cancellationToken);

    [OneWay]
    ValueTask Record(Ping ping, CancellationToken cancellationToken);

    void Fire(Note note);
}

/// <summary>Implements <see cref="IQuotes"/>; <see cref="IQuotes.Pinned"/> explicitly, and one public helper the interface does not declare.</summary>
[Handler]
public sealed partial class QuotesHandler : IQuotes
{
    public List<string> Calls { get; } = [];

    public TaskCompletionSource? RecordGate { get; set; }

    public ValueTask<Pong> Latest(Ping ping, CancellationToken cancellationToken) => new(new Pong(ping.Sequence, 1));

    ValueTask<Pong> IQuotes.Pinned(Ping ping) => new(new Pong(ping.Sequence, 77));

    public async IAsyncEnumerable<Pong> Stream(Ping ping, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Task.Yield();
        yield return new Pong(ping.Sequence, 2);
    }

    public async ValueTask Record(Ping ping, CancellationToken cancellationToken)
    {
        await RecordGate!.Task;
        Calls.Add("record:" + ping.Sequence);
    }

    public void Fire(Note note) => Calls.Add("fire:" + note.Text);

    /// <summary>Takes a message but is not part of the contract: never dispatched (what TETH2010 warns about).</summary>
#pragma warning disable TETH2010 // deliberately undeclared: the tests check that the warning's claim holds at run time
    public ValueTask<Pong> Helper(Ping ping) => new(new Pong(ping.Sequence, -1));
#pragma warning restore TETH2010
}
