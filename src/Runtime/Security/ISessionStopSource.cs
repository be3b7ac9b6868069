namespace Tether.Security;

/// <summary>What gives the token that fires when a session ends, made only when something asks for it.</summary>
internal interface ISessionStopSource
{
    /// <summary>Cancelled when the session (not just a link) ends; already cancelled if asked for after that.</summary>
    CancellationToken SessionStopToken { get; }
}
