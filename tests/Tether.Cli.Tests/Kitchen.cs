using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.AspNetCore.Authorization;

namespace Tether.Cli.Tests;

public enum Mood : short
{
    Calm = 1,
    Loud = -300,
}

[Message(1)]
public sealed partial record Inner(int Level, string? Label);

/// <summary>Every member type the codec supports, for the tool's JSON round trip.</summary>
[Message(2)]
public sealed partial record AllTypes(
    bool Bool, byte Byte, sbyte SByte, short Int16, ushort UInt16, int Int32, uint UInt32, long Int64, ulong UInt64,
    nint NInt, nuint NUInt, char Char, float Single, double Double, Half Half, decimal Decimal, Int128 Int128, UInt128 UInt128,
    Guid Guid, DateTime DateTime, DateTimeOffset DateTimeOffset, TimeSpan TimeSpan, Mood Mood, Mood? MaybeMood, int? MaybeInt,
    string? Text, string? NoText, byte[]? Bytes, ReadOnlyMemory<byte> Memory, int[]? Numbers, List<string>? Names, IReadOnlyList<Inner>? Inners,
    Dictionary<string, long>? Counts, Dictionary<int, Inner>? InnersById, Inner? Nested, Inner? Missing);

[Message(3)]
public sealed partial record CountRequest(int To);

[Message(4)]
public sealed partial record Tick(int Value);

[Message(5)]
public sealed partial record Note(string Text);

/// <summary>The service the tool is tested against: every method kind, a deprecated method, a refusing and a failing one.</summary>
[Service(Name = "Kitchen")]
[RemovedMethod("Stale", Reason = "Use Echo.")]
public partial interface IKitchen
{
    ValueTask<AllTypes> Echo(AllTypes value, CancellationToken ct);

    IAsyncEnumerable<Tick> Count(CountRequest request, CancellationToken ct);

    void Post(Note note);

    [Obsolete("Use Count.")]
    ValueTask<Tick> Old(CountRequest request, CancellationToken ct);

    ValueTask<Tick> Secret(CountRequest request, CancellationToken ct);

    ValueTask<Tick> Missing(CountRequest request, CancellationToken ct);

    [Method(Version = 2)]
    ValueTask<Tick> Slow(CountRequest request, CancellationToken ct);

    ValueTask<Tick> Tally(IAsyncEnumerable<Tick> ticks, CancellationToken ct);

    IAsyncEnumerable<Tick> Mirror(IAsyncEnumerable<Tick> ticks, CancellationToken ct);
}

[Handler]
public sealed partial class KitchenHandler : IKitchen
{
    public Channel<AllTypes> Echoed { get; } = Channel.CreateUnbounded<AllTypes>();

    public Channel<Note> Posted { get; } = Channel.CreateUnbounded<Note>();

    public ValueTask<AllTypes> Echo(AllTypes value, CancellationToken ct)
    {
        Echoed.Writer.TryWrite(value);
        return new(value);
    }

    public async IAsyncEnumerable<Tick> Count(CountRequest request, [EnumeratorCancellation] CancellationToken ct)
    {
        for (int i = 1; i <= request.To; i++)
        {
            await Task.Yield();
            yield return new Tick(i);
        }
    }

    public void Post(Note note) => Posted.Writer.TryWrite(note);

    public ValueTask<Tick> Old(CountRequest request, CancellationToken ct) => new(new Tick(request.To));

    [Authorize]
    public ValueTask<Tick> Secret(CountRequest request, CancellationToken ct) => new(new Tick(42));

    public ValueTask<Tick> Missing(CountRequest request, CancellationToken ct) =>
        throw new TetherException(TetherErrorCode.NotFound, $"Nothing numbered {request.To}.");

    public async ValueTask<Tick> Slow(CountRequest request, CancellationToken ct)
    {
        await Task.Delay(Timeout.Infinite, ct); // until the caller's deadline cancels it
        return new Tick(0);
    }

    public async ValueTask<Tick> Tally(IAsyncEnumerable<Tick> ticks, CancellationToken ct)
    {
        int sum = 0;
        await foreach (Tick tick in ticks.WithCancellation(ct))
        {
            sum += tick.Value;
        }

        return new Tick(sum);
    }

    public async IAsyncEnumerable<Tick> Mirror(IAsyncEnumerable<Tick> ticks, [EnumeratorCancellation] CancellationToken ct)
    {
        await foreach (Tick tick in ticks.WithCancellation(ct))
        {
            yield return tick;
        }
    }
}
