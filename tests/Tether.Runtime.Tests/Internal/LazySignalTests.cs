using Tether.Internal;

namespace Tether.Runtime.Tests.Internal;

/// <summary>A one-shot signal whose task is made only when someone asks before it completes, or when it fails.</summary>
public sealed class LazySignalTests
{
    private sealed class Holder
    {
        public LazySignal Signal;
    }

    [Fact]
    public void Completed_before_anyone_asked_it_reads_as_a_completed_task()
    {
        var holder = new Holder();
        Assert.False(holder.Signal.IsCompleted);

        Assert.True(holder.Signal.TrySetResult());

        Assert.True(holder.Signal.IsCompletedSuccessfully);
        Assert.True(holder.Signal.Task.IsCompletedSuccessfully);
        Assert.False(holder.Signal.TrySetResult()); // first outcome wins
        Assert.False(holder.Signal.TrySetException(new InvalidOperationException()));
        Assert.True(holder.Signal.Task.IsCompletedSuccessfully);
    }

    [Fact]
    public async Task A_waiter_that_asked_first_resumes_when_it_completes()
    {
        var holder = new Holder();
        Task waiting = holder.Signal.Task;
        Assert.Same(waiting, holder.Signal.Task);
        Assert.False(waiting.IsCompleted);

        Assert.True(holder.Signal.TrySetResult());

        await waiting.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(holder.Signal.IsCompletedSuccessfully);
    }

    [Fact]
    public async Task A_failure_before_anyone_asked_is_the_same_faulted_task_for_every_reader()
    {
        var holder = new Holder();
        var error = new InvalidOperationException("refused");

        Assert.True(holder.Signal.TrySetException(error));

        Task first = holder.Signal.Task;
        Assert.Same(first, holder.Signal.Task);
        Assert.True(holder.Signal.IsCompleted);
        Assert.False(holder.Signal.IsCompletedSuccessfully);
        Assert.Same(error, await Assert.ThrowsAsync<InvalidOperationException>(() => first));
        Assert.False(holder.Signal.TrySetResult());
    }

    [Fact]
    public async Task Readers_and_completers_racing_agree_on_one_outcome()
    {
        for (int round = 0; round < 200; round++)
        {
            var holder = new Holder();
            using var start = new Barrier(3);
            Task<object> reader = Task.Run(() =>
            {
                start.SignalAndWait(TimeSpan.FromSeconds(30));
                return (object)holder.Signal.Task; // boxed so that Task.Run does not unwrap it
            });
            Task<bool> succeeds = Task.Run(() =>
            {
                start.SignalAndWait(TimeSpan.FromSeconds(30));
                return holder.Signal.TrySetResult();
            });
            Task<bool> fails = Task.Run(() =>
            {
                start.SignalAndWait(TimeSpan.FromSeconds(30));
                return holder.Signal.TrySetException(new InvalidOperationException());
            });

            bool[] outcomes = await Task.WhenAll(succeeds, fails).WaitAsync(TimeSpan.FromSeconds(60));
            var seen = (Task)await reader.WaitAsync(TimeSpan.FromSeconds(60));

            Assert.Single(outcomes, static won => won);
            await Task.WhenAny(seen).WaitAsync(TimeSpan.FromSeconds(60)); // completes either way
            Assert.Equal(outcomes[0], seen.IsCompletedSuccessfully);
            Assert.Equal(outcomes[0], holder.Signal.Task.IsCompletedSuccessfully);
        }
    }
}
