using Tether.Serialization;

namespace Tether;

/// <summary>
/// A message with a generated codec. Implemented by the source generator for every type marked
/// with <see cref="MessageAttribute"/>; the members are static so generic code calls them directly,
/// with no virtual dispatch and no boxing.
/// </summary>
/// <typeparam name="TSelf">The message type itself.</typeparam>
public interface IMessage<TSelf> where TSelf : IMessage<TSelf>
{
    /// <summary>The message id from <see cref="MessageAttribute"/>.</summary>
    static abstract int MessageId { get; }

    /// <summary>Writes the message body (member count, then members in declaration order).</summary>
    static abstract void WriteBody(ref TetherWriter writer, in TSelf value);

    /// <summary>Reads a message body written by <see cref="WriteBody"/> from this or an older or newer version.</summary>
    static abstract TSelf ReadBody(ref TetherReader reader);

    /// <summary>
    /// Reads one message of a collection (<see cref="TetherReader.ReadElement{T}"/>): <see cref="ReadBody"/>, unless the
    /// generator emitted a form small enough to be compiled into the collection's loop, which reads a message of bounded
    /// members and short strings with no call per element and leaves every other case to the checked read.
    /// </summary>
    static virtual TSelf ReadElementBody(ref TetherReader reader) => TSelf.ReadBody(ref reader);

    /// <summary>The exact number of bytes <see cref="WriteBody"/> will write for <paramref name="value"/>.</summary>
    /// <param name="value">The message.</param>
    /// <param name="depth">Nesting depth of <paramref name="value"/> (0 for a top-level message); guards against cycles.</param>
    static abstract int GetBodySize(in TSelf value, int depth);
}
