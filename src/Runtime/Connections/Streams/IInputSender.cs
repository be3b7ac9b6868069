namespace Tether.Connections;

/// <summary>The caller's side of a call's input stream, whatever its item type: what the connection tells it.</summary>
internal interface IInputSender
{
    /// <summary>How many more items the handler's side can take.</summary>
    StreamCredit Credit { get; }

    /// <summary>The call is over: the next write fails with <paramref name="reason"/>.</summary>
    void End(Exception reason);
}
