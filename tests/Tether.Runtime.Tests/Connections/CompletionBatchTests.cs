using Tether.Connections;

namespace Tether.Runtime.Tests.Connections;

/// <summary>Answers a receive loop delivers in one batch are published together, in order, at its end.</summary>
public sealed class CompletionBatchTests
{
    [Fact]
    public void Answers_delivered_in_a_batch_wait_for_its_end_and_are_published_in_order_on_the_loops_thread()
    {
        var batch = new CompletionBatch();
        var published = new List<int>();
        int thread = Environment.CurrentManagedThreadId;
        Probe[] calls = [.. Enumerable.Range(1, 3).Select(i => new Probe(i, published))];

        batch.Begin();
        Assert.All(calls, call => Assert.True(batch.TryDefer(call)));
        Assert.Empty(published);

        batch.End();

        Assert.Equal([1, 2, 3], published);
        Assert.Equal(thread, Environment.CurrentManagedThreadId);
        Assert.All(calls, call => Assert.Null(call.NextPublished)); // unlinked: the calls go back to their pools clean
    }

    [Fact]
    public void Answers_outside_a_batch_or_from_another_thread_are_not_deferred()
    {
        var batch = new CompletionBatch();
        var published = new List<int>();
        var call = new Probe(1, published);

        Assert.False(batch.TryDefer(call)); // no batch running
        batch.Begin();
        bool deferredElsewhere = true;
        var other = new Thread(() => deferredElsewhere = batch.TryDefer(call)); // a timeout or cancel on another thread
        other.Start();
        Assert.True(other.Join(TimeSpan.FromSeconds(30)));
        Assert.False(deferredElsewhere);
        batch.End();

        Assert.Empty(published); // nothing was kept, so the batch's end published nothing
    }

    [Fact]
    public void A_call_recycled_by_its_caller_during_publication_starts_clean_in_the_next_batch()
    {
        var batch = new CompletionBatch();
        var published = new List<int>();
        var first = new Probe(1, published);
        var second = new Probe(2, published);
        first.OnPublished = () =>
        {
            // As a caller's continuation does: the next call reuses a pooled object, here one still in this batch's list.
            Assert.Null(first.NextPublished);
        };

        batch.Begin();
        batch.TryDefer(first);
        batch.TryDefer(second);
        batch.End();
        batch.Begin();
        batch.TryDefer(first);
        batch.End();

        Assert.Equal([1, 2, 1], published);
    }

    private sealed class Probe(int id, List<int> published) : PendingCall
    {
        public Action? OnPublished { get; set; }

        public override void Publish()
        {
            published.Add(id);
            OnPublished?.Invoke();
        }

        public override void OnResponse(in Tether.Framing.FrameHeader header, in System.Buffers.ReadOnlySequence<byte> payload, DecodeOptions options)
        {
        }

        public override void Fail(Exception error)
        {
        }
    }
}
