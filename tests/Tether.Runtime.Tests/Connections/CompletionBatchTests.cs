using System.IO.Pipelines;
using Tether.Connections;

namespace Tether.Runtime.Tests.Connections;

/// <summary>Answers a receive loop delivers in one batch are published together, in order, at its end.</summary>
public sealed class CompletionBatchTests
{
    [Fact]
    public void Answers_delivered_in_a_batch_wait_for_its_end_and_are_published_in_order_in_one_pass()
    {
        var batch = new CompletionBatch();
        var scheduler = new CountingScheduler();
        var published = new List<int>();
        Probe[] calls = [.. Enumerable.Range(1, 3).Select(i => new Probe(i, published))];

        batch.Begin();
        Assert.All(calls, call => Assert.True(batch.TryDefer(call)));
        Assert.Empty(published);

        batch.End(scheduler);

        Assert.Equal(1, scheduler.Scheduled);
        Assert.Equal([1, 2, 3], published);
        Assert.All(calls, call => Assert.Null(call.NextPublished)); // unlinked: the calls go back to their pools clean
    }

    [Fact]
    public void Answers_outside_a_batch_or_from_another_thread_are_not_deferred_and_an_empty_batch_schedules_nothing()
    {
        var batch = new CompletionBatch();
        var scheduler = new CountingScheduler();
        var call = new Probe(1, []);

        Assert.False(batch.TryDefer(call)); // no batch running
        batch.Begin();
        bool deferredElsewhere = true;
        var other = new Thread(() => deferredElsewhere = batch.TryDefer(call)); // a timeout or cancel on another thread
        other.Start();
        Assert.True(other.Join(TimeSpan.FromSeconds(30)));
        Assert.False(deferredElsewhere);
        batch.End(scheduler);

        Assert.Equal(0, scheduler.Scheduled);
    }

    private sealed class Probe(int id, List<int> published) : PendingCall
    {
        public override void Publish() => published.Add(id);

        public override void OnResponse(in Tether.Framing.FrameHeader header, in System.Buffers.ReadOnlySequence<byte> payload, DecodeOptions options)
        {
        }

        public override void Fail(Exception error)
        {
        }
    }

    /// <summary>Runs what it is given at once, counting it.</summary>
    private sealed class CountingScheduler : PipeScheduler
    {
        public int Scheduled { get; private set; }

        public override void Schedule(Action<object?> action, object? state)
        {
            Scheduled++;
            action(state);
        }
    }
}
