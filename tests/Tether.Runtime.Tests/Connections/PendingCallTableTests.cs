using System.Buffers;
using Tether.Connections;
using Tether.Framing;

namespace Tether.Runtime.Tests.Connections;

/// <summary>The bounded table of calls awaiting replies: ids, stale replies, the bound, expiry.</summary>
public sealed class PendingCallTableTests
{
    [Fact]
    public void Each_call_gets_a_distinct_nonzero_id_and_is_found_by_it()
    {
        var table = new PendingCallTable(capacity: 200);
        var calls = Enumerable.Range(0, 200).Select(_ => new TestCall()).ToList();

        Assert.All(calls, call => Assert.True(table.TryAdd(call)));

        Assert.Equal(200, table.Count);
        Assert.Equal(200, calls.Select(c => c.CallId).Distinct().Count());
        Assert.DoesNotContain(0u, calls.Select(c => c.CallId));
        Assert.All(calls, call => Assert.Same(call, table.Find(call.CallId)));
    }

    [Fact]
    public void The_table_refuses_past_its_capacity_and_takes_calls_again_once_one_finished()
    {
        var table = new PendingCallTable(capacity: 2);
        TestCall first = new(), second = new();
        Assert.True(table.TryAdd(first));
        Assert.True(table.TryAdd(second));

        Assert.False(table.TryAdd(new TestCall()));

        Assert.Same(first, table.TryRemove(first.CallId));
        Assert.True(table.TryAdd(new TestCall()));
    }

    [Fact]
    public void A_late_reply_to_a_finished_call_never_reaches_the_next_call_in_its_slot()
    {
        var table = new PendingCallTable(capacity: 1);
        var finished = new TestCall();
        table.TryAdd(finished);
        uint staleId = finished.CallId;
        Assert.Same(finished, table.TryRemove(staleId));

        var next = new TestCall();
        table.TryAdd(next);

        Assert.NotEqual(staleId, next.CallId);
        Assert.Null(table.TryRemove(staleId));
        Assert.Null(table.Find(staleId));
        Assert.Same(next, table.TryRemove(next.CallId));
        Assert.Null(table.TryRemove(next.CallId)); // removed once: whoever removes it completes it
    }

    [Fact]
    public void Ids_from_outside_the_table_find_nothing()
    {
        var table = new PendingCallTable(capacity: 4);
        table.TryAdd(new TestCall());

        Assert.Null(table.TryRemove(0));
        Assert.Null(table.Find(uint.MaxValue));
        Assert.Null(table.TryRemove(3));
    }

    [Fact]
    public void A_table_that_never_held_a_call_finds_removes_and_collects_nothing_and_then_grows_as_usual()
    {
        // A server's table: made for every session, seldom used. It makes its arrays and lock with the first call.
        var table = new PendingCallTable(capacity: 100);
        Assert.Null(table.TryRemove(1));
        Assert.Null(table.Find(1));
        var swept = new List<PendingCall>();
        table.RemoveExpired(long.MaxValue, swept);
        table.RemoveAll(swept);
        Assert.Empty(swept);

        var calls = Enumerable.Range(0, 100).Select(_ => new TestCall()).ToList(); // past the first growth (64 slots)
        Assert.All(calls, call => Assert.True(table.TryAdd(call)));
        Assert.False(table.TryAdd(new TestCall()));
        Assert.All(calls, call => Assert.Same(call, table.TryRemove(call.CallId)));
        Assert.Equal(0, table.Count);
    }

    [Fact]
    public void Expiry_removes_exactly_the_calls_whose_deadline_passed()
    {
        var table = new PendingCallTable(capacity: 8);
        TestCall early = new() { Deadline = 10 }, due = new() { Deadline = 20 }, later = new() { Deadline = 30 }, never = new();
        foreach (TestCall call in new[] { early, due, later, never })
        {
            table.TryAdd(call);
        }

        var expired = new List<PendingCall>();
        table.RemoveExpired(now: 20, expired);

        Assert.Equal([early, due], expired);
        Assert.Equal(2, table.Count);
        Assert.Same(later, table.Find(later.CallId));

        var rest = new List<PendingCall>();
        table.RemoveAll(rest);
        Assert.Equal([later, never], rest);
        Assert.Equal(0, table.Count);
    }

    [Fact]
    public void A_capacity_outside_the_id_space_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new PendingCallTable(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PendingCallTable(PendingCallTable.MaxCapacity + 1));
    }

    private sealed class TestCall : PendingCall
    {
        public override void OnResponse(in FrameHeader header, in ReadOnlySequence<byte> payload, DecodeOptions options)
        {
        }

        public override void Fail(Exception error)
        {
        }
    }
}
