using System.ComponentModel.DataAnnotations;
using System.Net;

namespace Tether;

/// <summary>How a <see cref="TetherClientPool"/> picks the connection for a call.</summary>
public enum PoolSelection
{
    /// <summary>The connection with the fewest calls waiting for answers (ties in turn): spreads uneven calls best.</summary>
    LeastPending,

    /// <summary>Each connection in turn.</summary>
    RoundRobin,
}

/// <summary>
/// Options of a <see cref="TetherClientPool"/> (SPEC R3.8): its endpoints, its size bounds, how it picks a connection, and
/// when it grows (calls waiting past <see cref="GrowAfterWait"/>, or utilisation above <see cref="GrowAtUtilisation"/>)
/// and shrinks (utilisation under <see cref="ShrinkBelowUtilisation"/> for <see cref="ShrinkAfter"/>). Growth steps
/// are 2.0×, 1.5×, 1.2× then 1.1× the current size as it nears <see cref="MaxConnections"/>.
/// </summary>
public sealed class TetherClientPoolOptions : IValidatableObject
{
    /// <summary>Where the connections go; with several, new connections take them in turn.</summary>
    /// <remarks>Defaults to none: at least one is required.</remarks>
    public IList<EndPoint> EndPoints { get; } = [];

    /// <summary>Sets the options of each connection's client (transport, TLS, credentials, compression, retries, …); called once per connection.</summary>
    public Action<TetherClientOptions>? ConfigureClient { get; set; }

    /// <summary>Sets up each connection's client before it connects: its push handlers, filters and interceptors.</summary>
    public Action<TetherClient>? ConfigureConnection { get; set; }

    /// <summary>The fewest connections kept (opened at start).</summary>
    /// <remarks>Defaults to 1.</remarks>
    [Range(1, 1024)]
    public int MinConnections { get; set; } = 1;

    /// <summary>The most connections.</summary>
    /// <remarks>Defaults to 8.</remarks>
    [Range(1, 1024)]
    public int MaxConnections { get; set; } = 8;

    /// <summary>How a call's connection is chosen.</summary>
    /// <remarks>Defaults to <see cref="PoolSelection.LeastPending"/>.</remarks>
    public PoolSelection Selection { get; set; } = PoolSelection.LeastPending;

    /// <summary>
    /// Calls in flight per connection that count as fully used: utilisation is the pool's pending calls over
    /// connections × this. Around the callers one connection serves well before its latency climbs (tens).
    /// </summary>
    /// <remarks>Defaults to 64.</remarks>
    [Range(1, 1_000_000)]
    public int TargetPendingPerConnection { get; set; } = 64;

    /// <summary>Grow when utilisation, averaged since the last check, exceeds this.</summary>
    /// <remarks>Defaults to 0.8.</remarks>
    [Range(0.01, 1.0)]
    public double GrowAtUtilisation { get; set; } = 0.8;

    /// <summary>Grow when a connection's send queue stayed blocked (calls waiting for it) this long.</summary>
    /// <remarks>Defaults to 5 ms.</remarks>
    public TimeSpan GrowAfterWait { get; set; } = TimeSpan.FromMilliseconds(5);

    /// <summary>Shrink when utilisation stays under this for <see cref="ShrinkAfter"/>.</summary>
    /// <remarks>Defaults to 0.2.</remarks>
    [Range(0.0, 1.0)]
    public double ShrinkBelowUtilisation { get; set; } = 0.2;

    /// <summary>How long utilisation must stay low before the pool shrinks.</summary>
    /// <remarks>Defaults to 5 minutes.</remarks>
    public TimeSpan ShrinkAfter { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How often the pool checks its load (a blocked send queue is timed from when it blocked, not from the check).</summary>
    /// <remarks>Defaults to 100 ms.</remarks>
    public TimeSpan CheckInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The clock the checks run on (tests use a fake one).</summary>
    /// <remarks>Defaults to <see cref="TimeProvider.System"/>.</remarks>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    IEnumerable<ValidationResult> IValidatableObject.Validate(ValidationContext validationContext) =>
        Problems().Select(static p => new ValidationResult(p));

    internal IEnumerable<string> Problems()
    {
        if (EndPoints.Count == 0)
        {
            yield return "EndPoints must list at least one endpoint.";
        }

        if (MinConnections < 1 || MaxConnections < MinConnections)
        {
            yield return "MinConnections must be at least 1 and MaxConnections at least MinConnections.";
        }

        if (GrowAfterWait <= TimeSpan.Zero || ShrinkAfter <= TimeSpan.Zero || CheckInterval <= TimeSpan.Zero)
        {
            yield return "GrowAfterWait, ShrinkAfter and CheckInterval must be positive.";
        }

        if (ShrinkBelowUtilisation >= GrowAtUtilisation)
        {
            yield return "ShrinkBelowUtilisation must be below GrowAtUtilisation.";
        }
    }
}

/// <summary>Validates <see cref="TetherClientPoolOptions"/> (source-generated from its data annotations, and its own checks).</summary>
[Microsoft.Extensions.Options.OptionsValidator]
internal sealed partial class TetherClientPoolOptionsValidator : Microsoft.Extensions.Options.IValidateOptions<TetherClientPoolOptions>
{
}
