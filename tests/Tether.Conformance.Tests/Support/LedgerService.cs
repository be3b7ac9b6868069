using System.Runtime.CompilerServices;

namespace Tether.Conformance.Tests.Support;

[Message(12)]
public sealed partial record Entry(long Account, long Amount);

[Message(13)]
public sealed partial record Balance(long Account, long Amount, string By);

/// <summary>
/// A service contract whose four methods all take <see cref="Entry"/>: two unary, one stream, one asynchronous one-way.
/// Only a call by method id can tell them apart.
/// </summary>
[Service]
[RemovedMethod("Refund", Reason = "Credit a negative amount instead.")]
public partial interface ILedger
{
    ValueTask<Balance> Credit(Entry entry, CancellationToken cancellationToken);

    [Method(Id = 4242)]
    ValueTask<Balance> Debit(Entry entry);

    IAsyncEnumerable<Balance> History(Entry entry, CancellationToken cancellationToken);

    [OneWay]
    ValueTask Record(Entry entry, CancellationToken cancellationToken);

    /// <summary>Pushes a notice to the caller through <see cref="CallContext.Peer"/>, then answers.</summary>
    ValueTask<Balance> Audit(Entry entry, CallContext context);
}

/// <summary>Implements <see cref="ILedger"/>; <c>Record</c> awaits before it reports, as an asynchronous one-way handler would.</summary>
[Handler]
public sealed partial class LedgerHandler(Probe probe) : ILedger
{
    public ValueTask<Balance> Credit(Entry entry, CancellationToken cancellationToken) => new(new Balance(entry.Account, entry.Amount, "credit"));

    public ValueTask<Balance> Debit(Entry entry) => new(new Balance(entry.Account, -entry.Amount, "debit"));

    public async IAsyncEnumerable<Balance> History(Entry entry, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        for (int i = 1; i <= 3; i++)
        {
            await Task.Yield();
            yield return new Balance(entry.Account, entry.Amount * i, "history");
        }
    }

    public async ValueTask<Balance> Audit(Entry entry, CallContext context)
    {
        await context.Peer.SendAsync(new Notice((int)entry.Amount, "audited"), context.CancellationToken);
        return new Balance(entry.Account, entry.Amount, "audit");
    }

    public async ValueTask Record(Entry entry, CancellationToken cancellationToken)
    {
        await Task.Yield();
        probe.Notices.Writer.TryWrite(new Notice((int)entry.Amount, "recorded"));
    }
}
