namespace Tether.Analyzers.Performance;

/// <summary>Which blocking form TETH3001 found; the code fix rewrites each differently.</summary>
public enum BlockingKind
{
    /// <summary><c>task.Result</c>: becomes <c>(await task)</c>.</summary>
    Result,

    /// <summary><c>task.Wait()</c>: becomes <c>await task</c>.</summary>
    Wait,

    /// <summary><c>task.GetAwaiter().GetResult()</c>: becomes <c>await task</c>.</summary>
    GetResult,

    /// <summary><c>Thread.Sleep(t)</c>: becomes <c>await Task.Delay(t)</c>.</summary>
    Sleep,

    /// <summary><c>Task.WaitAll</c>/<c>WaitAny</c>: no mechanical rewrite (WhenAll/WhenAny differ in results).</summary>
    Other,
}
