namespace Tether.Redis.Tests.Support;

/// <summary>Waits for a condition about what arrived, yielding between looks; the generous bound only catches hangs.</summary>
internal static class Wait
{
    public static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);

    public static Task UntilAsync(Func<bool> condition, string what) => UntilAsync(() => Task.FromResult(condition()), what);

    public static async Task UntilAsync(Func<Task<bool>> condition, string what)
    {
        using var patience = new CancellationTokenSource(Patience);
        while (!await condition())
        {
            if (patience.IsCancellationRequested)
            {
                throw new TimeoutException($"Still waiting, after {Patience.TotalMinutes} minutes, for: {what}");
            }

            await Task.Delay(20); // between looks only: the assertion is on the condition, never on the time
        }
    }
}
