namespace Tether;

/// <summary>How a broadcast went: the message was encoded once and copied to each session's send queue.</summary>
/// <param name="Delivered">Sessions whose send queue took the message.</param>
/// <param name="Dropped">Sessions skipped because their send queue was full (the peer is not reading) or they were closing.</param>
public readonly record struct BroadcastResult(int Delivered, int Dropped);
