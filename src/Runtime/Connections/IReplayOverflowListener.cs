namespace Tether.Connections;

/// <summary>What a <see cref="FrameOutput"/> tells its connection when its replay buffer overflowed without a link.</summary>
internal interface IReplayOverflowListener
{
    /// <summary>Frames were kept without a link past the replay buffer's bounds: the session cannot resume without a gap.</summary>
    void OnReplayOverflowed();
}
