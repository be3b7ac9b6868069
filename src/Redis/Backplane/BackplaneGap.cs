namespace Tether.Redis;

/// <summary>Messages another node published that this node never got: lost for this node's clients, and reported.</summary>
/// <param name="Origin">The node that published them (<see cref="TetherRedisBackplane.NodeId"/> there).</param>
/// <param name="FirstMissing">The first missing number in that node's sequence.</param>
/// <param name="Count">How many consecutive numbers are missing.</param>
public sealed record BackplaneGap(string Origin, long FirstMissing, long Count);
