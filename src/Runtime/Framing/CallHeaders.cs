namespace Tether.Framing;

/// <summary>
/// What a call sends in its headers block (<c>docs/wire-format.md</c> §6.9). Empty (the default) means no block: the
/// frame is exactly as without headers. Built per call on the stack; the metadata is the caller's own object.
/// </summary>
internal readonly struct OutgoingCallHeaders
{
    /// <summary>The deadline as the budget left when the frame is written, in microseconds; 0 for none.</summary>
    public long DeadlineMicros { get; init; }

    /// <summary>Metadata entries (request metadata, or trailing metadata on an answer).</summary>
    public CallMetadata? Metadata { get; init; }

    /// <summary>W3C trace context in binary form (version, trace id, parent id, flags: 26 bytes), or empty.</summary>
    public ReadOnlyMemory<byte> TraceParent { get; init; }

    /// <summary>W3C <c>tracestate</c>, or null.</summary>
    public string? TraceState { get; init; }

    /// <summary>Reserved for idempotent retries: the call's idempotency key, or empty.</summary>
    public ReadOnlyMemory<byte> IdempotencyKey { get; init; }

    /// <summary>Reserved for scheduling: the call's priority (0–255), or -1 for none.</summary>
    public int Priority { get; init; }

    public bool IsEmpty => DeadlineMicros <= 0 && (Metadata is null || Metadata.Count == 0) && TraceParent.IsEmpty
        && TraceState is null && IdempotencyKey.IsEmpty && Priority < 0;

    /// <summary>No headers.</summary>
    public static OutgoingCallHeaders None => new() { Priority = -1 };
}

/// <summary>A headers block as received: allocated only for frames that carry one.</summary>
internal sealed class IncomingCallHeaders
{
    /// <summary>The caller's budget when it wrote the frame, in microseconds; 0 for no deadline.</summary>
    public long DeadlineMicros { get; set; }

    public CallMetadata Metadata { get; set; } = CallMetadata.Empty;

    /// <summary>The 26-byte binary trace context, or null.</summary>
    public byte[]? TraceParent { get; set; }

    public string? TraceState { get; set; }

    public byte[]? IdempotencyKey { get; set; }

    /// <summary>0–255, or -1 for none.</summary>
    public int Priority { get; set; } = -1;
}

/// <summary>The receiver's limits on a headers block.</summary>
/// <param name="MaxBytes">The largest block.</param>
/// <param name="MaxMetadataEntries">The most metadata entries.</param>
internal readonly record struct CallHeaderLimits(int MaxBytes, int MaxMetadataEntries);
