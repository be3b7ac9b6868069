using Microsoft.Extensions.Logging;

namespace Tether.Storage;

/// <summary>The durable store's log entries, with fixed event ids (700–705) so operators can alert on damage and failed writes.</summary>
internal static partial class StorageLog
{
    [LoggerMessage(700, LogLevel.Information, "Store {Directory} recovered in {Milliseconds:0.#} ms: {SnapshotRecords} records from {Snapshot}, {LogRecords} from {Segments} log segments")]
    public static partial void Recovered(ILogger logger, string directory, double milliseconds, long snapshotRecords, string snapshot, long logRecords, int segments);

    [LoggerMessage(701, LogLevel.Warning, "Store {Directory}: cut a torn tail of {Bytes} bytes from {File} (a write the crash interrupted; it was never acknowledged in Always mode)")]
    public static partial void TornTail(ILogger logger, string directory, string file, long bytes);

    [LoggerMessage(702, LogLevel.Error, "Store {Directory}: dropped {Bytes} damaged bytes of {File} from byte {Offset}: {Reason}. Kept everything before; the file is kept as {File}.damaged")]
    public static partial void Damaged(ILogger logger, string directory, string file, long offset, long bytes, string reason);

    [LoggerMessage(703, LogLevel.Information, "Store {Directory}: snapshot of {Records} records written in {Milliseconds:0.#} ms; log segments before {Segment} deleted")]
    public static partial void SnapshotWritten(ILogger logger, string directory, long records, double milliseconds, long segment);

    [LoggerMessage(704, LogLevel.Error, "Store {Directory}: a write failed")]
    public static partial void WriteFailed(ILogger logger, string directory, Exception exception);

    [LoggerMessage(705, LogLevel.Error, "Store {Directory}: a snapshot failed; the previous one and the log stay in use")]
    public static partial void SnapshotFailed(ILogger logger, string directory, Exception exception);
}
