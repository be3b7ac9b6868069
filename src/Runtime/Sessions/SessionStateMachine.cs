namespace Tether;

/// <summary>
/// The table of legal session transitions (SPEC R4.2) and the one place a session's state changes. A transition the
/// table does not list throws <see cref="SessionStateException"/> naming both states; every change raises
/// <see cref="Changed"/> after the new state is visible.
/// </summary>
/// <remarks>
/// A transition is one compare-and-swap of the state from the "from" it checked, so two threads racing (a link failing
/// while the application closes) each see a consistent "from" state and the loser checks again from the winner's;
/// the event runs after the swap. No lock: a session's states change a handful of times in its life, and an idle
/// session should not carry a lock object for them.
/// </remarks>
internal sealed class SessionStateMachine
{
    // Rows: from; columns: to. Closed is reachable from every live state (a refusal, an expiry or a close).
    private static readonly bool[,] s_legal = BuildTable();

    private readonly ISessionStateObserver? _owner;
    private int _state;

    /// <summary>
    /// Creates a machine in <see cref="SessionState.Connecting"/>. Its <paramref name="owner"/> hears every change before
    /// <see cref="Changed"/> (a field, not a subscription: no delegate per session).
    /// </summary>
    public SessionStateMachine(ISessionStateObserver? owner = null)
    {
        _owner = owner;
        _state = (int)SessionState.Connecting;
    }

    /// <summary>The current state.</summary>
    public SessionState State => (SessionState)Volatile.Read(ref _state);

    /// <summary>Raised after every change, on the thread that made it.</summary>
    public event Action<SessionStateChange>? Changed;

    /// <summary>Whether the table allows <paramref name="from"/> → <paramref name="to"/>.</summary>
    public static bool IsLegal(SessionState from, SessionState to) =>
        (uint)from < (uint)s_legal.GetLength(0) && (uint)to < (uint)s_legal.GetLength(1) && s_legal[(int)from, (int)to];

    /// <summary>Every legal transition, in table order (for documentation and tests).</summary>
    public static IEnumerable<(SessionState From, SessionState To)> LegalTransitions
    {
        get
        {
            foreach (SessionState from in Enum.GetValues<SessionState>())
            {
                foreach (SessionState to in Enum.GetValues<SessionState>())
                {
                    if (IsLegal(from, to))
                    {
                        yield return (from, to);
                    }
                }
            }
        }
    }

    /// <summary>
    /// Puts a new machine straight into <paramref name="state"/> without raising <see cref="Changed"/>: a session rebuilt
    /// from the durable journal is in the state its previous process left it in, not at a transition.
    /// </summary>
    internal void Restore(SessionState state) => Volatile.Write(ref _state, (int)state);

    /// <summary>Moves to <paramref name="to"/>.</summary>
    /// <exception cref="SessionStateException">The table has no such transition from the current state.</exception>
    public void MoveTo(SessionState to, string? reason = null)
    {
        if (!TryMoveTo(to, reason, out SessionState from))
        {
            throw new SessionStateException(from, to, reason);
        }
    }

    /// <summary>Moves to <paramref name="to"/> if the table allows it from the current state; false (and no change) otherwise.</summary>
    public bool TryMoveTo(SessionState to, string? reason = null) => TryMoveTo(to, reason, out _);

    /// <summary>Moves to <paramref name="to"/> only if the current state is <paramref name="expected"/> and the move is legal.</summary>
    public bool TryMoveFrom(SessionState expected, SessionState to, string? reason = null)
    {
        if (!IsLegal(expected, to) || Interlocked.CompareExchange(ref _state, (int)to, (int)expected) != (int)expected)
        {
            return false;
        }

        Raise(new SessionStateChange(expected, to, reason));
        return true;
    }

    private bool TryMoveTo(SessionState to, string? reason, out SessionState from)
    {
        while (true)
        {
            from = State;
            if (!IsLegal(from, to))
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _state, (int)to, (int)from) == (int)from)
            {
                Raise(new SessionStateChange(from, to, reason));
                return true;
            }
        }
    }

    private void Raise(SessionStateChange change)
    {
        _owner?.OnStateChanged(change);
        Changed?.Invoke(change);
    }

    private static bool[,] BuildTable()
    {
        int n = Enum.GetValues<SessionState>().Length;
        var table = new bool[n, n];
        void Allow(SessionState from, params SessionState[] to)
        {
            foreach (SessionState target in to)
            {
                table[(int)from, (int)target] = true;
            }
        }

        Allow(SessionState.Connecting, SessionState.Negotiating, SessionState.Closed);
        // Negotiating → Resuming: the link of a resume attempt failed before the session was active again.
        Allow(SessionState.Negotiating, SessionState.Active, SessionState.Resuming, SessionState.Closed);
        Allow(SessionState.Active, SessionState.Resuming, SessionState.Draining, SessionState.Closed);
        // A resume negotiates again on the new link; a failed attempt falls back to Resuming until the window ends.
        Allow(SessionState.Resuming, SessionState.Negotiating, SessionState.Closed);
        Allow(SessionState.Draining, SessionState.Closed);
        return table;
    }
}
