namespace Tether.Generators.Model;

/// <summary>How a handler method's result is produced.</summary>
internal enum ReturnKind
{
    Void,
    ValueTask,
    Task,
    ValueTaskOfT,
    TaskOfT,
    AsyncEnumerable,

    /// <summary>Returns a message synchronously (unary).</summary>
    Message,
}
