namespace Tether;

/// <summary>
/// A message as bytes: its id and its encoded body (<c>docs/wire-format.md</c> §3). What the encoded calls
/// (<see cref="TetherPeer.InvokeEncodedAsync"/>, <see cref="TetherPeer.InvokeEncodedStreamAsync"/>) take and return,
/// for code that has a method's shape but not its generated types: a gateway, a tool (<c>tether call</c>), a test
/// harness. <see cref="Schema.SchemaJson"/> turns JSON into a body and back.
/// </summary>
/// <param name="MessageId">The message's id; 0 for an empty reply (a method that returns nothing).</param>
/// <param name="Body">The encoded body; it never aliases a receive buffer.</param>
public readonly record struct EncodedMessage(int MessageId, ReadOnlyMemory<byte> Body);
