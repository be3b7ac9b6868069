using Microsoft.Extensions.Logging;

namespace Tether.Redis.Sessions;

/// <summary>What the Redis session store logs (event ids 720–729).</summary>
internal static partial class SessionStoreLog
{
    [LoggerMessage(720, LogLevel.Warning, "The Redis session store cannot take this node's session records (unreachable, or it lost them): sessions run on, but cannot resume on another node until they are written again")]
    public static partial void Unprotected(ILogger logger, Exception? error);

    [LoggerMessage(721, LogLevel.Information, "The Redis session store has this node's sessions again: they can resume on another node")]
    public static partial void Protected(ILogger logger);
}
