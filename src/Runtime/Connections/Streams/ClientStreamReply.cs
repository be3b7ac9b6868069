using System.Buffers;
using Tether.Framing;

namespace Tether.Connections;

/// <summary>
/// A pending client-streaming call: its request stream goes out through <see cref="PendingCall.Input"/>, and its one
/// reply (or error) completes <see cref="Task"/>. Whatever completes it also closes the request stream, so a writer
/// learns at its next write that the handler answered or the call failed.
/// </summary>
internal sealed class ClientStreamReply<TResponse> : PendingCall
    where TResponse : IMessage<TResponse>
{
    private readonly TaskCompletionSource<TResponse> _reply = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The reply.</summary>
    public Task<TResponse> Task => _reply.Task;

    public override void OnResponse(in FrameHeader header, in ReadOnlySequence<byte> payload, DecodeOptions options)
    {
        if (!UnaryCall<TResponse>.TryDecodeReply(header, payload, options, out TResponse? value, out Exception? error))
        {
            Fail(error);
            return;
        }

        // The stream closes before the reply is published: a caller that has the reply and writes again must find the
        // stream closed (its continuation may run on another thread at once). A writer that finds it closed first
        // finds the reply set right after, not a failure.
        Scope.Complete(null);
        EndInput(null);
        _reply.TrySetResult(value);
    }

    public override ValueTask OnStreamItem(in FrameHeader header, in ReadOnlySequence<byte> payload, DecodeOptions options) =>
        throw new TetherException(TetherErrorCode.UnexpectedReply, "A stream item arrived for a client-streaming call.");

    public override void Fail(Exception error)
    {
        Scope.Complete(error);
        EndInput(error);
        _reply.TrySetException(error);
    }
}
