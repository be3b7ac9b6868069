using System.ComponentModel.DataAnnotations;
using StackExchange.Redis;

namespace Tether.Redis;

/// <summary>How a node reaches Redis and takes part in the cluster (<see cref="TetherRedisBackplane"/>).</summary>
public sealed class TetherRedisOptions
{
    private static readonly string s_processSuffix = Guid.NewGuid().ToString("N")[..12];

    /// <summary>This node's id: <see cref="NodeName"/> and a suffix unique to this process start (the backplane's and the session store's are the same).</summary>
    internal string NodeId => NodeName + "/" + s_processSuffix;

    /// <summary>
    /// The StackExchange.Redis configuration: endpoints, <c>password=</c>, <c>user=</c>, <c>ssl=true</c> and the rest
    /// (for example <c>"127.0.0.1:6379,password=secret,ssl=true"</c>). Used when <see cref="Redis"/> is null.
    /// </summary>
    /// <remarks>Defaults to `127.0.0.1:6379`.</remarks>
    public string Configuration { get; set; } = "127.0.0.1:6379";

    /// <summary>
    /// Options to connect with instead of <see cref="Configuration"/> (TLS certificate callbacks, for example). The
    /// backplane sets <see cref="ConfigurationOptions.AbortOnConnectFail"/> to false on a copy: a node starts while
    /// Redis is down and catches up once it is back.
    /// </summary>
    public ConfigurationOptions? Redis { get; set; }

    /// <summary>Prefix of every key and channel, so several clusters can share one Redis.</summary>
    /// <remarks>Defaults to `tether`.</remarks>
    [Required]
    [MinLength(1)]
    public string KeyPrefix { get; set; } = "tether";

    /// <summary>This node's name in <see cref="TetherRedisBackplane.Nodes"/>; a random suffix is added per process start.</summary>
    /// <remarks>Defaults to the machine name.</remarks>
    [Required]
    [MinLength(1)]
    public string NodeName { get; set; } = Environment.MachineName;

    /// <summary>How often a node renews its heartbeat and looks for nodes that stopped renewing theirs.</summary>
    /// <remarks>Defaults to 1 s.</remarks>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00")]
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>A node whose heartbeat is older than this (by Redis's clock) is gone: its sessions leave their groups.</summary>
    /// <remarks>Defaults to 5 s.</remarks>
    [Range(typeof(TimeSpan), "00:00:00.200", "00:10:00")]
    public TimeSpan NodeTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How often a node reads the stream when no wake-up arrives (wake-ups are Pub/Sub messages, which a blip can lose;
    /// the stream itself loses nothing).
    /// </summary>
    /// <remarks>Defaults to 250 ms.</remarks>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:00:10")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>How long a publish waits for Redis before it fails with <see cref="TetherErrorCode.StoreUnavailable"/>.</summary>
    /// <remarks>Defaults to 30 s.</remarks>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan PublishTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Publishes waiting for Redis at most; past it, a publish waits for room (backpressure, not loss).</summary>
    /// <remarks>Defaults to 10,000.</remarks>
    [Range(1, 1_000_000)]
    public int MaxQueuedPublishes { get; set; } = 10_000;

    /// <summary>
    /// Messages a node keeps after publishing them, to publish again when Redis comes back without its data (a restart
    /// without persistence): the other nodes' positions tell which they may have missed. Older ones cannot be
    /// recovered; a node that misses them reports a gap.
    /// </summary>
    /// <remarks>Defaults to 10,000.</remarks>
    [Range(0, 10_000_000)]
    public int RetainedMessages { get; set; } = 10_000;

    /// <summary>
    /// With <c>UseRedisSessions</c>: how long a session's keys stay after its last write. A session whose node died and
    /// whose client never came back is gone from Redis this long after.
    /// </summary>
    /// <remarks>Defaults to 1 day.</remarks>
    [Range(typeof(TimeSpan), "00:00:01", "365.00:00:00")]
    public TimeSpan SessionRetention { get; set; } = TimeSpan.FromDays(1);

    /// <summary>
    /// A connection as the backplane and the session store use it: it does not wait for Redis (a node starts while Redis
    /// is down and catches up once it is back), and commands fail at once while Redis is away rather than queueing in the
    /// client (both retry themselves, in order).
    /// </summary>
    internal ConnectionMultiplexer Connect()
    {
        ConfigurationOptions configuration = (Redis ?? ConfigurationOptions.Parse(Configuration)).Clone();
        configuration.AbortOnConnectFail = false;
        configuration.BacklogPolicy = BacklogPolicy.FailFast;
        return ConnectionMultiplexer.Connect(configuration);
    }

    /// <summary>The stream is trimmed to about this many entries (each entry is one batch of a node's messages).</summary>
    /// <remarks>Defaults to 100,000.</remarks>
    [Range(100, 100_000_000)]
    public int StreamLength { get; set; } = 100_000;
}
