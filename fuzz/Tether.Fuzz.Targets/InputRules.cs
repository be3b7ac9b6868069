namespace Tether.Fuzz;

/// <summary>
/// What counts as handling bad input (<c>docs/fuzzing.md</c>): refusing it with a typed error from the error table,
/// and allocating in proportion to the bytes actually received, never to a length or count the input merely claims.
/// </summary>
public static class InputRules
{
    /// <summary>
    /// Bytes a decoder may allocate beyond its input's size times <see cref="AllocationPerInputByte"/>: the exception it
    /// throws with its message and stack trace, first-use type loading. A length field believed before its bytes arrived
    /// costs megabytes from a handful of input bytes, far past this.
    /// </summary>
    public const long AllocationAllowance = 64 * 1024;

    /// <summary>
    /// Bytes a decoder may allocate per input byte: an empty nested message is two bytes on the wire and an object of
    /// about 32 on the heap, and a collection doubles its backing array as it grows.
    /// </summary>
    public const long AllocationPerInputByte = 64;

    /// <summary>Whether <paramref name="exception"/> is a documented refusal: a <see cref="TetherException"/> whose code is in the error table.</summary>
    public static bool IsDocumented(Exception exception) =>
        exception is TetherException typed && TetherErrors.CategoryOf(typed.Code) is not null;

    /// <summary>
    /// Runs <paramref name="decode"/> on this thread, swallowing documented refusals, and throws a
    /// <see cref="FuzzFindingException"/> when it allocated more than the input's size allows.
    /// </summary>
    /// <returns>Whether the input was accepted (false: refused with a documented error).</returns>
    public static bool Decode<TState>(int inputLength, TState state, Action<TState> decode) =>
        Decode(inputLength, AllocationPerInputByte, state, decode);

    /// <summary>As <see cref="Decode{TState}(int, TState, Action{TState})"/> with a decoder's own bytes per input byte.</summary>
    public static bool Decode<TState>(int inputLength, long allocationPerInputByte, TState state, Action<TState> decode)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        bool accepted;
        try
        {
            decode(state);
            accepted = true;
        }
        catch (Exception e) when (IsDocumented(e))
        {
            accepted = false;
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        long budget = AllocationAllowance + (allocationPerInputByte * inputLength);
        if (allocated > budget)
        {
            throw new FuzzFindingException($"Decoding {inputLength} bytes allocated {allocated:N0} bytes (budget {budget:N0}): a length or count was believed before its bytes arrived.");
        }

        return accepted;
    }
}
