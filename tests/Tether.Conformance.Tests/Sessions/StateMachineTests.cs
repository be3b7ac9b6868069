
namespace Tether.Conformance.Tests.Sessions;

/// <summary>The session state table (SPEC R4.2): every pair of states, legal or not.</summary>
public sealed class StateMachineTests
{
    private static readonly HashSet<(SessionState, SessionState)> s_legal =
    [
        (SessionState.Connecting, SessionState.Negotiating),
        (SessionState.Connecting, SessionState.Closed),
        (SessionState.Negotiating, SessionState.Active),
        (SessionState.Negotiating, SessionState.Resuming),
        (SessionState.Negotiating, SessionState.Closed),
        (SessionState.Active, SessionState.Resuming),
        (SessionState.Active, SessionState.Draining),
        (SessionState.Active, SessionState.Closed),
        (SessionState.Resuming, SessionState.Negotiating),
        (SessionState.Resuming, SessionState.Closed),
        (SessionState.Draining, SessionState.Closed),
    ];

    public static TheoryData<SessionState, SessionState> AllPairs()
    {
        var pairs = new TheoryData<SessionState, SessionState>();
        foreach (SessionState from in Enum.GetValues<SessionState>())
        {
            foreach (SessionState to in Enum.GetValues<SessionState>())
            {
                pairs.Add(from, to);
            }
        }

        return pairs;
    }

    [Theory]
    [MemberData(nameof(AllPairs))]
    public void Every_transition_is_legal_or_a_structured_error(SessionState from, SessionState to)
    {
        SessionStateMachine machine = MachineIn(from);
        var changes = new List<SessionStateChange>();
        machine.Changed += changes.Add;

        if (s_legal.Contains((from, to)))
        {
            machine.MoveTo(to, "test");
            Assert.Equal(to, machine.State);
            Assert.Equal(new SessionStateChange(from, to, "test"), Assert.Single(changes));
        }
        else
        {
            var error = Assert.Throws<SessionStateException>(() => machine.MoveTo(to, "test"));
            Assert.Equal(TetherErrorCode.IllegalStateTransition, error.Code);
            Assert.Equal(from, error.From);
            Assert.Equal(to, error.To);
            Assert.Contains(from.ToString(), error.Message);
            Assert.Contains(to.ToString(), error.Message);
            Assert.Equal(from, machine.State);
            Assert.Empty(changes);
            Assert.False(machine.TryMoveTo(to));
        }
    }

    [Fact]
    public void The_published_table_is_the_tested_one() =>
        Assert.Equal(s_legal.Order(), SessionStateMachine.LegalTransitions.Order());

    [Fact]
    public void A_conditional_move_only_happens_from_the_expected_state()
    {
        SessionStateMachine machine = MachineIn(SessionState.Active);
        Assert.False(machine.TryMoveFrom(SessionState.Resuming, SessionState.Negotiating));
        Assert.True(machine.TryMoveFrom(SessionState.Active, SessionState.Resuming));
        Assert.Equal(SessionState.Resuming, machine.State);
    }

    /// <summary>Walks the legal path to <paramref name="state"/>.</summary>
    private static SessionStateMachine MachineIn(SessionState state)
    {
        var machine = new SessionStateMachine();
        SessionState[] path = state switch
        {
            SessionState.Connecting => [],
            SessionState.Negotiating => [SessionState.Negotiating],
            SessionState.Active => [SessionState.Negotiating, SessionState.Active],
            SessionState.Resuming => [SessionState.Negotiating, SessionState.Active, SessionState.Resuming],
            SessionState.Draining => [SessionState.Negotiating, SessionState.Active, SessionState.Draining],
            _ => [SessionState.Closed],
        };
        foreach (SessionState step in path)
        {
            machine.MoveTo(step);
        }

        return machine;
    }
}
