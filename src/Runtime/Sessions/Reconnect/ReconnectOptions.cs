using System.ComponentModel.DataAnnotations;

namespace Tether;

/// <summary>How a client reconnects after its link is lost (SPEC R4.4): exponential backoff with jitter.</summary>
public sealed class ReconnectOptions
{
    /// <summary>Whether the client reconnects (and resumes its session when it can) after losing its link.</summary>
    /// <remarks>Defaults to true.</remarks>
    public bool Enabled { get; set; } = true;

    /// <summary>Also retry the first connect with the same schedule instead of failing at once.</summary>
    /// <remarks>Defaults to false.</remarks>
    public bool RetryFirstConnect { get; set; }

    /// <summary>Delay before the first retry.</summary>
    /// <remarks>Defaults to 1 second.</remarks>
    public TimeSpan InitialDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Longest delay between two attempts.</summary>
    /// <remarks>Defaults to 60 seconds.</remarks>
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Factor the delay grows by after each failed attempt.</summary>
    /// <remarks>Defaults to 2.</remarks>
    [Range(1.0, 16.0)]
    public double Multiplier { get; set; } = 2.0;

    /// <summary>Fraction of each delay that is random: a delay <c>d</c> becomes a value in <c>[d·(1−Jitter), d]</c>, so clients cut off together do not return together.</summary>
    /// <remarks>Defaults to 0.2.</remarks>
    [Range(0.0, 1.0)]
    public double Jitter { get; set; } = 0.2;

    /// <summary>Attempts before giving up (the session then closes); 0 for no limit.</summary>
    /// <remarks>Defaults to 0: keep trying while the session can still resume, then start a new one.</remarks>
    [Range(0, int.MaxValue)]
    public int MaxAttempts { get; set; }

    /// <summary>Source of the jitter (tests pass a seeded one).</summary>
    /// <remarks>Defaults to <see cref="Random.Shared"/>.</remarks>
    public Random Random { get; set; } = Random.Shared;

    /// <summary>
    /// The delay before attempt <paramref name="attempt"/> (1 = the first retry): <see cref="InitialDelay"/> ×
    /// <see cref="Multiplier"/>^(attempt−1), capped at <see cref="MaxDelay"/>, less up to <see cref="Jitter"/> of it.
    /// </summary>
    public TimeSpan DelayBefore(int attempt)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(attempt, 1);
        double ceiling = MaxDelay.TotalMilliseconds;
        double delay = InitialDelay.TotalMilliseconds * Math.Pow(Multiplier, Math.Min(attempt - 1, 1024));
        if (double.IsInfinity(delay) || delay > ceiling)
        {
            delay = ceiling;
        }

        double jittered = delay * (1.0 - (Jitter * Random.NextDouble()));
        return TimeSpan.FromMilliseconds(jittered);
    }
}
