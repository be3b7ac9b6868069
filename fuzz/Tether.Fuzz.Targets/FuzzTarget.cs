namespace Tether.Fuzz;

/// <summary>
/// One fuzz target: what an input is fed to, and the seed inputs the checked-in corpus starts from. <see cref="Run"/>
/// returns normally for an input that is handled (accepted, or refused with a documented typed error) and throws
/// anything else: an undocumented exception as it came, a broken rule as a <see cref="FuzzFindingException"/>.
/// </summary>
public abstract class FuzzTarget
{
    /// <summary>
    /// How long a target that runs a whole engine (server, client) waits for it to end an exchange its peer stopped
    /// feeding: only there to turn a hang into a finding. <c>scripts/fuzz.sh</c> gives afl-fuzz a per-input limit above it.
    /// </summary>
    public static readonly TimeSpan HangAfter = TimeSpan.FromSeconds(20);

    /// <summary>The target's name on the command line and its corpus folder under <c>fuzz/corpus</c>.</summary>
    public abstract string Name { get; }

    /// <summary>What the target feeds its input to.</summary>
    public abstract string Description { get; }

    /// <summary>Feeds one input to the code under test.</summary>
    public abstract void Run(ReadOnlySpan<byte> input);

    /// <summary>Valid and near-valid inputs the fuzzer starts from (each named for its corpus file).</summary>
    public abstract IEnumerable<KeyValuePair<string, byte[]>> Seeds();
}
