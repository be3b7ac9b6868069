namespace Tether.Server.Idempotency;

/// <summary>What a kept result answers a repeat with.</summary>
internal enum IdempotentAnswerKind : byte
{
    /// <summary>A reply message: <see cref="IdempotentResult.MessageId"/> and <see cref="IdempotentResult.Body"/>.</summary>
    Reply = 1,

    /// <summary>An empty reply (a method that returns nothing).</summary>
    Empty = 2,

    /// <summary>A typed error that is not worth repeating the call for (not retryable, not a cancellation).</summary>
    Error = 3,

    /// <summary>The call ran but its reply was too large to keep: a repeat gets <see cref="TetherErrorCode.IdempotentResultNotKept"/>.</summary>
    NotKept = 4,
}

/// <summary>The answer a call with an idempotency key gave, kept to answer its repeats the same way.</summary>
internal sealed class IdempotentResult
{
    public required IdempotentAnswerKind Kind { get; init; }

    public int MessageId { get; init; }

    public byte[] Body { get; init; } = [];

    public TetherErrorCode Code { get; init; }

    public string? Message { get; init; }

    /// <summary>The answer's trailing metadata (read-only copy), or null.</summary>
    public CallMetadata? Trailers { get; init; }

    /// <summary>Bytes this result holds, roughly, for the memory bound.</summary>
    public long Size
    {
        get
        {
            long size = 96 + Body.Length + (2L * (Message?.Length ?? 0));
            if (Trailers is { } trailers)
            {
                foreach (CallMetadataEntry entry in trailers)
                {
                    size += 48 + (2L * entry.Key.Length) + (entry.Text is { } text ? 2L * text.Length : entry.Bytes.Length);
                }
            }

            return size;
        }
    }
}
