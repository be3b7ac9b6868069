using Microsoft.Extensions.Logging;

namespace Tether;

/// <summary>The client pool's log events (400s).</summary>
internal static partial class ClientPoolLog
{
    [LoggerMessage(400, LogLevel.Information, "Tether client pool resized to {Connections} connections (utilisation {Utilisation:P0})")]
    public static partial void Resized(ILogger logger, int connections, double utilisation);

    [LoggerMessage(401, LogLevel.Warning, "Tether client pool could not open a connection: {Reason}; it tries again at its next check")]
    public static partial void GrowFailed(ILogger logger, string reason);
}
