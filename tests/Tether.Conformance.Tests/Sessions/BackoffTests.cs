
namespace Tether.Conformance.Tests.Sessions;

/// <summary>The reconnect schedule (SPEC R4.4): computed, not waited for.</summary>
public sealed class BackoffTests
{
    [Fact]
    public void Without_jitter_the_delay_doubles_from_one_second_to_the_sixty_second_cap()
    {
        var options = new ReconnectOptions { Jitter = 0 };
        double[] seconds = [.. Enumerable.Range(1, 9).Select(a => options.DelayBefore(a).TotalSeconds)];
        Assert.Equal([1, 2, 4, 8, 16, 32, 60, 60, 60], seconds);
        Assert.Equal(60, options.DelayBefore(100_000).TotalSeconds);
    }

    [Fact]
    public void Jitter_takes_up_to_its_fraction_off_each_delay_and_spreads_clients()
    {
        var options = new ReconnectOptions { Jitter = 0.2, Random = new Random(7) };
        var firstDelays = new HashSet<double>();
        for (int client = 0; client < 50; client++)
        {
            for (int attempt = 1; attempt <= 10; attempt++)
            {
                double ceiling = Math.Min(60, Math.Pow(2, attempt - 1));
                double delay = options.DelayBefore(attempt).TotalSeconds;
                Assert.InRange(delay, ceiling * 0.8, ceiling);
                if (attempt == 1)
                {
                    firstDelays.Add(delay);
                }
            }
        }

        Assert.True(firstDelays.Count > 40, "jitter should give clients different first delays");
    }

    [Fact]
    public void The_schedule_is_configurable()
    {
        var options = new ReconnectOptions { InitialDelay = TimeSpan.FromMilliseconds(100), Multiplier = 3, MaxDelay = TimeSpan.FromSeconds(1), Jitter = 0 };
        Assert.Equal([100, 300, 900, 1000], Enumerable.Range(1, 4).Select(a => options.DelayBefore(a).TotalMilliseconds));
    }
}
