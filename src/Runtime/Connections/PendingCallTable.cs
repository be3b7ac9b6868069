using System.Diagnostics;

namespace Tether.Connections;

/// <summary>
/// The bounded table of calls awaiting a reply, indexed by call id. A call id is a slot number (low 20 bits, plus
/// one so 0 is never used) and the slot's generation (high 12 bits), so a late reply to a finished call never
/// matches the slot's next occupant. Adding and removing allocate nothing once the slot array has grown.
/// </summary>
internal sealed class PendingCallTable
{
    public const int MaxCapacity = (1 << 20) - 2;
    private const int SlotBits = 20;
    private const uint SlotMask = (1u << SlotBits) - 1;

    private const int InitialSlots = 64;

    private Lock? _lock; // made by the first call, with the arrays
    private readonly int _capacity;
    private PendingCall?[] _slots;
    private ushort[] _generations;
    private int[] _free;
    private int _freeCount;
    private int _used;
    private int _count;

    public PendingCallTable(int capacity)
    {
        if (capacity is < 1 or > MaxCapacity)
        {
            throw new ArgumentOutOfRangeException(nameof(capacity), capacity, $"Between 1 and {MaxCapacity}.");
        }

        // The arrays are made by the first call: a server's sessions seldom call their clients, and an idle session
        // should not hold them.
        _capacity = capacity;
        _slots = [];
        _generations = [];
        _free = [];
    }

    public int Count => Volatile.Read(ref _count);

    public int Capacity => _capacity;

    /// <summary>Registers <paramref name="call"/> and gives it an id; false when the table is full.</summary>
    public bool TryAdd(PendingCall call)
    {
        lock (Gate)
        {
            int slot;
            if (_freeCount > 0)
            {
                slot = _free[--_freeCount];
            }
            else if (_used < _capacity)
            {
                if (_used == _slots.Length)
                {
                    Grow();
                }

                slot = _used++;
            }
            else
            {
                return false;
            }

            ushort generation = (ushort)((_generations[slot] + 1) & 0xFFF);
            _generations[slot] = generation;
            _slots[slot] = call;
            call.CallId = ((uint)generation << SlotBits) | (uint)(slot + 1);
            _count++;
            return true;
        }
    }

    /// <summary>Removes and returns the call with <paramref name="callId"/>, or null if it already finished.</summary>
    public PendingCall? TryRemove(uint callId)
    {
        int slot = (int)(callId & SlotMask) - 1;
        if (NeverUsed)
        {
            return null;
        }

        lock (Gate)
        {
            if ((uint)slot >= (uint)_used || _slots[slot] is not { } call || call.CallId != callId)
            {
                return null;
            }

            _slots[slot] = null;
            _free[_freeCount++] = slot;
            _count--;
            return call;
        }
    }

    /// <summary>Returns the call with <paramref name="callId"/> without removing it (stream items).</summary>
    public PendingCall? Find(uint callId)
    {
        int slot = (int)(callId & SlotMask) - 1;
        if (NeverUsed)
        {
            return null;
        }

        lock (Gate)
        {
            return (uint)slot < (uint)_used && _slots[slot] is { } call && call.CallId == callId ? call : null;
        }
    }

    /// <summary>Removes every call whose deadline is at or before <paramref name="now"/> into <paramref name="expired"/>.</summary>
    public void RemoveExpired(long now, List<PendingCall> expired)
    {
        if (NeverUsed)
        {
            return;
        }

        lock (Gate)
        {
            for (int slot = 0; slot < _used; slot++)
            {
                if (_slots[slot] is { } call && call.Deadline <= now)
                {
                    _slots[slot] = null;
                    _free[_freeCount++] = slot;
                    _count--;
                    expired.Add(call);
                }
            }
        }
    }

    /// <summary>Adds the calls whose deadline is at or before <paramref name="horizon"/> and that have no timer armed yet to <paramref name="due"/> (they stay in the table).</summary>
    public void CollectDueBefore(long horizon, List<PendingCall> due)
    {
        if (NeverUsed)
        {
            return;
        }

        lock (Gate)
        {
            for (int slot = 0; slot < _used; slot++)
            {
                if (_slots[slot] is { } call && call.Deadline <= horizon && !call.DeadlineArmed)
                {
                    due.Add(call);
                }
            }
        }
    }

    /// <summary>Adds the spans of the calls that have one (tracing is on) to <paramref name="spans"/>.</summary>
    public void CollectSpans(List<System.Diagnostics.Activity> spans)
    {
        if (NeverUsed)
        {
            return;
        }

        lock (Gate)
        {
            for (int slot = 0; slot < _used; slot++)
            {
                if (_slots[slot] is { Trace: { } span })
                {
                    spans.Add(span);
                }
            }
        }
    }

    /// <summary>Removes every call (the connection closed).</summary>
    public void RemoveAll(List<PendingCall> removed)
    {
        if (NeverUsed)
        {
            return;
        }

        lock (Gate)
        {
            for (int slot = 0; slot < _used; slot++)
            {
                if (_slots[slot] is { } call)
                {
                    _slots[slot] = null;
                    _free[_freeCount++] = slot;
                    removed.Add(call);
                }
            }

            _count = 0;
        }
    }

    // The lock is made with the table's first call: a table that never held one has nothing to guard or find.
    private bool NeverUsed => Volatile.Read(ref _lock) is null;

    private Lock Gate => Volatile.Read(ref _lock) ?? Interlocked.CompareExchange(ref _lock, new Lock(), null) ?? _lock!;

    private void Grow()
    {
        int size = (int)Math.Min(Math.Max((long)_slots.Length * 2, InitialSlots), _capacity);
        Debug.Assert(size > _slots.Length);
        Array.Resize(ref _slots, size);
        Array.Resize(ref _generations, size);
        Array.Resize(ref _free, size);
    }
}
