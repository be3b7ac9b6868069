namespace Tether.Connections;

/// <summary>
/// The send order under contention (decision 0025): while an output has no room, senders that wait for it — one-way
/// sends and pushes, and server streams between items — take turns here instead of racing for the room as it frees.
/// Priorities 0–255 fall in four bands (192–255, 128–191, 64–127, 0–63); turns go to the bands by weighted round robin,
/// 8, 4, 2 and 1 turns per round, first come first served within a band. So higher priorities go first, and the lowest
/// waits at most one round (15 turns) however much higher traffic there is: no band starves.
/// </summary>
/// <remarks>
/// One sender holds the turn at a time; it writes (waiting for room itself), then passes the turn on. While anyone
/// waits, new senders queue too, so nobody overtakes the order. With nobody waiting this costs one field read per send.
/// </remarks>
internal sealed class SendScheduler
{
    /// <summary>The priority of a call that names none.</summary>
    public const int DefaultPriority = 128;

    private static readonly int[] s_weights = [8, 4, 2, 1];

    private readonly Lock _lock = new();

    // Made when a sender first has to wait: most connections never do, and every connection has a scheduler (idle cost).
    private Queue<TaskCompletionSource>[]? _bands;
    private int[]? _turnsLeft;
    private int _band;
    private bool _held;
    private int _waiting;

    /// <summary>Whether someone holds or waits for the turn: a new sender must queue rather than write.</summary>
    public bool IsBusy => Volatile.Read(ref _waiting) != 0;

    /// <summary>The band of <paramref name="priority"/> (0 highest); out-of-range values are clamped, none (-1) is the default.</summary>
    public static int BandOf(int priority) => 3 - (Math.Clamp(priority < 0 ? DefaultPriority : priority, 0, 255) >> 6);

    /// <summary>Waits for the turn of a sender at <paramref name="priority"/>; the returned turn must be passed on (<see cref="Pass"/>).</summary>
    public ValueTask WaitTurnAsync(int priority, CancellationToken cancellationToken)
    {
        TaskCompletionSource turn;
        lock (_lock)
        {
            _waiting++;
            if (!_held)
            {
                _held = true; // nobody holds it: take it now
                return default;
            }

            turn = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            if (_bands is null)
            {
                _bands = [new(), new(), new(), new()];
                _turnsLeft = [.. s_weights];
            }

            _bands[BandOf(priority)].Enqueue(turn);
        }

        return cancellationToken.CanBeCanceled ? WaitCancellableAsync(turn, cancellationToken) : new ValueTask(turn.Task);
    }

    /// <summary>The holder is done: the turn goes to the next waiter by the rule, or is free.</summary>
    public void Pass()
    {
        TaskCompletionSource? next;
        lock (_lock)
        {
            _waiting--;
            next = NextLocked();
            _held = next is not null;
        }

        next?.TrySetResult();
    }

    /// <summary>Wakes every waiter (the output closed): each finds it closed when it tries to write.</summary>
    public void ReleaseAll()
    {
        var all = new List<TaskCompletionSource>();
        lock (_lock)
        {
            foreach (Queue<TaskCompletionSource> band in _bands ?? [])
            {
                all.AddRange(band);
                band.Clear();
            }

            _held = false;
        }

        foreach (TaskCompletionSource turn in all)
        {
            turn.TrySetResult();
        }
    }

    private async ValueTask WaitCancellableAsync(TaskCompletionSource turn, CancellationToken cancellationToken)
    {
        try
        {
            await turn.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Gave up waiting: if the turn was handed over meanwhile, pass it on; otherwise it is skipped when reached.
            if (!turn.TrySetCanceled(cancellationToken))
            {
                Pass();
            }
            else
            {
                lock (_lock)
                {
                    _waiting--;
                }
            }

            throw;
        }
    }

    /// <summary>The next live waiter by weighted round robin over the non-empty bands.</summary>
    private TaskCompletionSource? NextLocked()
    {
        if (_bands is not { } bands || _turnsLeft is not { } turnsLeft)
        {
            return null; // nobody ever waited
        }

        for (int scanned = 0; scanned < 8; scanned++)
        {
            Queue<TaskCompletionSource> band = bands[_band];
            while (turnsLeft[_band] > 0 && band.TryDequeue(out TaskCompletionSource? turn))
            {
                if (turn.Task.IsCanceled)
                {
                    continue; // its sender gave up
                }

                turnsLeft[_band]--;
                return turn;
            }

            // This band used its turns for the round, or has nobody: on to the next, and a new round after the last.
            turnsLeft[_band] = s_weights[_band];
            _band = (_band + 1) % bands.Length;
        }

        return null;
    }
}
