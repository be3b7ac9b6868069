namespace Tether.Transport.Tcp;

/// <summary>Socket settings for <see cref="TcpTransport"/>.</summary>
public sealed class TcpTransportOptions
{
    /// <summary>Disables Nagle's algorithm, so small frames leave at once (the runtime coalesces writes itself).</summary>
    /// <remarks>Defaults to true.</remarks>
    public bool NoDelay { get; set; } = true;

    /// <summary>Pending connections the listen socket queues.</summary>
    /// <remarks>Defaults to 512.</remarks>
    public int Backlog { get; set; } = 512;

    /// <summary>How long closing a connection waits for queued bytes to leave before aborting.</summary>
    /// <remarks>Defaults to 5 seconds.</remarks>
    public TimeSpan CloseTimeout { get; set; } = TimeSpan.FromSeconds(5);
}
