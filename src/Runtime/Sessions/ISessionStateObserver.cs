namespace Tether;

/// <summary>The one party a <see cref="SessionStateMachine"/> tells of its changes directly (its connection).</summary>
internal interface ISessionStateObserver
{
    /// <summary>The state changed; raised on the thread that changed it, after the new state is visible.</summary>
    void OnStateChanged(SessionStateChange change);
}
