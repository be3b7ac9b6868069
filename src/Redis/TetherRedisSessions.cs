using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Tether.Redis.Sessions;

namespace Tether.Redis;

/// <summary>Sessions that outlive their node: kept in Redis, so a client resumes its session on any node of the cluster.</summary>
public static class TetherRedisSessions
{
    /// <summary>
    /// Keeps this server's resumable sessions in Redis (decision 0028): every frame a session sends is in Redis before it
    /// leaves, and how far the client's frames were handled, so when the node dies or a load balancer moves the client,
    /// the node it resumes on claims the session and continues it exactly once and in order, as after a link cut.
    /// While Redis is unreachable sessions run on, unprotected against their node's loss, and are written whole again
    /// once it is back. Excludes <see cref="TetherServerOptions.DurableSessions"/> and <see cref="TetherServerOptions.SessionStore"/>.
    /// </summary>
    /// <returns><paramref name="options"/>.</returns>
    /// <param name="options">The server's options.</param>
    /// <param name="redis">Where Redis is and this node's name.</param>
    /// <param name="loggerFactory">Where the store logs (Redis unreachable: sessions not protected until it is back).</param>
    public static TetherServerOptions UseRedisSessions(this TetherServerOptions options, TetherRedisOptions redis, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(redis);
        System.ComponentModel.DataAnnotations.Validator.ValidateObject(redis, new System.ComponentModel.DataAnnotations.ValidationContext(redis), validateAllProperties: true);
        ILogger logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("Tether.Redis.Sessions");
        options.SharedSessionJournal = () => new RedisSessionJournal(redis, logger);
        return options;
    }
}
