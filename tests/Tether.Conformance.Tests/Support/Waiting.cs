using System.Threading.Channels;

namespace Tether.Conformance.Tests.Support;

public static class Waiting
{
    public static Task<T> Within<T>(this Task<T> task) => task.WaitAsync(Harness.Patience);

    public static Task Within(this Task task) => task.WaitAsync(Harness.Patience);

    public static async Task<T> Within<T>(this ValueTask<T> task) => await task.AsTask().WaitAsync(Harness.Patience);

    public static async Task Within(this ValueTask task) => await task.AsTask().WaitAsync(Harness.Patience);

    public static Task<T> NextAsync<T>(this Channel<T> channel) => channel.Reader.ReadAsync().AsTask().Within();

    /// <summary>Reads exactly <paramref name="count"/> items.</summary>
    public static async Task<List<T>> TakeAsync<T>(this Channel<T> channel, int count)
    {
        var items = new List<T>(count);
        using var timeout = new CancellationTokenSource(Harness.Patience);
        while (items.Count < count)
        {
            items.Add(await channel.Reader.ReadAsync(timeout.Token));
        }

        return items;
    }
}
