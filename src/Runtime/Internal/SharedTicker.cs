namespace Tether.Internal;

/// <summary>Something a <see cref="SharedTicker"/> ticks: short, synchronous work that must not throw.</summary>
internal interface ITickable
{
    /// <summary>One tick of the shared timer.</summary>
    void OnTick();
}

/// <summary>
/// One timer per time provider and period for every member in the process, instead of one per member: a process with ten
/// thousand clients (a gateway, a load generator) otherwise keeps ten thousand 50 ms timers, whose queue .NET scans on
/// every firing and which each cost a thread-pool work item per period (200,000 a second). Members tick in turn on one
/// thread; a pass still running when the next is due makes that one skip, as a busy member skipped its own tick before.
/// </summary>
internal sealed class SharedTicker
{
    private static readonly Dictionary<(TimeProvider Time, TimeSpan Period), SharedTicker> s_tickers = [];
    private static readonly Lock s_lock = new(); // membership of every ticker, and the tickers themselves

    private readonly (TimeProvider Time, TimeSpan Period) _key;
    private readonly HashSet<ITickable> _members = new(ReferenceEqualityComparer.Instance);
    private ITimer? _timer;
    private ITickable[] _snapshot = []; // what a pass walks: rebuilt at most once a period after a change
    private bool _changed;
    private int _ticking;

    private SharedTicker((TimeProvider Time, TimeSpan Period) key) => _key = key;

    /// <summary>Ticks <paramref name="member"/> every <paramref name="period"/> of <paramref name="time"/> until it leaves.</summary>
    public static SharedTicker Join(TimeProvider time, TimeSpan period, ITickable member)
    {
        lock (s_lock)
        {
            if (!s_tickers.TryGetValue((time, period), out SharedTicker? ticker))
            {
                ticker = new SharedTicker((time, period));
                ticker._timer = time.CreateTimer(static state => ((SharedTicker)state!).Tick(), ticker, period, period);
                s_tickers.Add((time, period), ticker);
            }

            ticker._members.Add(member);
            ticker._changed = true;
            return ticker;
        }
    }

    /// <summary>
    /// Stops ticking <paramref name="member"/>; the last member stops the timer. A pass already running may still reach
    /// it: a member that must not tick after this guards its own <see cref="ITickable.OnTick"/>.
    /// </summary>
    public void Leave(ITickable member)
    {
        ITimer? stopped = null;
        lock (s_lock)
        {
            if (!_members.Remove(member))
            {
                return;
            }

            _changed = true;
            if (_members.Count == 0)
            {
                s_tickers.Remove(_key);
                stopped = _timer;
                _timer = null;
                _snapshot = [];
            }
        }

        stopped?.Dispose();
    }

    private void Tick()
    {
        if (Interlocked.Exchange(ref _ticking, 1) != 0)
        {
            return;
        }

        try
        {
            ITickable[] members;
            lock (s_lock)
            {
                if (_changed)
                {
                    _snapshot = [.. _members];
                    _changed = false;
                }

                members = _snapshot;
            }

            foreach (ITickable member in members)
            {
                member.OnTick();
            }
        }
        finally
        {
            Volatile.Write(ref _ticking, 0);
        }
    }
}
