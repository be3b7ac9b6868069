using Tether.Framing;
using Tether.Transport;
using Tether.Transport.InMemory;

namespace Tether.Fuzz;

/// <summary>
/// A real <see cref="TetherClient"/> against a hostile server over the in-memory transport: the input's first byte is
/// the target's control byte, the rest everything the "server" sends on the connection before it stops sending. The
/// client's start, then the calls the target makes on the session it got, must each end with a result or a documented
/// refusal within <see cref="FuzzTarget.HangAfter"/>.
/// </summary>
/// <remarks>
/// The control byte's bit 0 stages the input: what comes before <see cref="StagedBytes"/> is sent first, the remainder
/// only once the client has started and its calls are on the wire, so answers, stream items and errors meet pending
/// calls; clear, the input is sent all at once. The other bits are the target's.
/// </remarks>
public abstract class ClientTargetBase : FuzzTarget, IAsyncDisposable
{
    /// <summary>The deadline of each call a target makes: a server that never answers fails it, typed, well within <see cref="FuzzTarget.HangAfter"/>.</summary>
    protected static readonly CallOptions Bounded = new() { Timeout = TimeSpan.FromSeconds(5) };

    /// <summary>The id of a client's first call: slot 1 of the pending-call table, generation 1 (above its 20 slot bits).</summary>
    protected const uint FirstCallId = (1u << 20) | 1;

    private readonly InMemoryTransport _transport = new();
    private readonly InMemoryEndPoint _endPoint;
    private ITransportListener? _listener;

    /// <summary>A target whose in-memory endpoint is named after it.</summary>
    protected ClientTargetBase(string name) => _endPoint = new("fuzz-" + name + "-" + Guid.NewGuid().ToString("N"));

    /// <summary>How many of the server's bytes go before the calls, for a staged input's control byte.</summary>
    protected abstract int StagedBytes(byte control);

    /// <summary>Makes the target's calls on a started client; the task ends when they all have (a failure is judged like the start's).</summary>
    protected abstract Task CallAsync(TetherClient client, byte control);

    /// <inheritdoc />
    public sealed override void Run(ReadOnlySpan<byte> input)
    {
        if (input.Length < 1)
        {
            return;
        }

        byte control = input[0];
        byte[] bytes = input.Slice(1).ToArray();
        int split = (control & 1) != 0 ? Math.Min(bytes.Length, StagedBytes(control)) : bytes.Length;
        if (!HoldsFirstFrame(bytes.AsSpan(0, split)))
        {
            split = bytes.Length; // the client would wait out its connect timeout for the rest of its hello: send it all
        }

        RunAsync(control, bytes, split).GetAwaiter().GetResult();
    }

    private async Task RunAsync(byte control, byte[] bytes, int split)
    {
        _listener ??= await _transport.BindAsync(_endPoint, new TransportConnectionOptions()).ConfigureAwait(false);
        bool staged = split < bytes.Length;
        var options = new TetherClientOptions { Transport = _transport, ConnectTimeout = TimeSpan.FromSeconds(staged ? 2 : 10) };
        options.Reconnect.Enabled = false;
        using var hang = new CancellationTokenSource(HangAfter);
        var client = new TetherClient(options);
        await using (client.ConfigureAwait(false))
        {
            Task starting = client.StartAsync(_endPoint, hang.Token);
            TransportConnection server = (await _listener.AcceptAsync(hang.Token).ConfigureAwait(false))!;
            await using (server.ConfigureAwait(false))
            {
                var received = new ReceivedBytes();
                Task draining = PeerInput.DrainAsync(server.Input, received, CancellationToken.None);
                try
                {
                    await server.Output.WriteAsync(bytes.AsMemory(0, split), hang.Token).ConfigureAwait(false);
                    if (!staged)
                    {
                        await server.Output.CompleteAsync().ConfigureAwait(false);
                    }

                    bool started = await EndsAsync(() => starting, "start").ConfigureAwait(false);
                    long beforeCall = received.Count;
                    Task calls = started ? Started(client, control) : Task.CompletedTask;
                    if (staged)
                    {
                        // The rest goes once a request is out (or the calls failed at once), so answers can meet them.
                        await Task.WhenAny(received.BeyondAsync(beforeCall, hang.Token), calls).ConfigureAwait(false);
                        await server.Output.WriteAsync(bytes.AsMemory(split), hang.Token).ConfigureAwait(false);
                        await server.Output.CompleteAsync().ConfigureAwait(false);
                    }

                    await EndsAsync(() => calls, "calls").ConfigureAwait(false);
                }
                finally
                {
                    server.Abort();
                    await draining.ConfigureAwait(false);
                }
            }
        }

        // Whether the operation succeeded; a documented refusal is handled (false), anything else propagates.
        async Task<bool> EndsAsync(Func<Task> operation, string what)
        {
            try
            {
                await operation().WaitAsync(hang.Token).ConfigureAwait(false);
                return true;
            }
            catch (OperationCanceledException) when (hang.IsCancellationRequested)
            {
                throw new FuzzFindingException($"The client's {what} did not end {HangAfter.TotalSeconds:N0} s after its server stopped sending.");
            }
            catch (Exception e) when (InputRules.IsDocumented(e))
            {
                return false;
            }
        }
    }

    private Task Started(TetherClient client, byte control)
    {
        try
        {
            return CallAsync(client, control);
        }
        catch (Exception e)
        {
            return Task.FromException(e); // refused before anything was sent: judged with the rest
        }
    }

    private static bool HoldsFirstFrame(ReadOnlySpan<byte> bytes) =>
        bytes.Length >= FrameHeader.Size && FrameHeader.Size + (long)System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(bytes) <= bytes.Length;

    /// <summary>The control byte of a staged input whose first part is <paramref name="firstPart"/> bytes, in units of <paramref name="unit"/> from bit <paramref name="shift"/>.</summary>
    protected static byte Stage(int firstPart, int unit, int shift, int otherBits = 0) =>
        checked((byte)((((firstPart + unit - 1) / unit) << shift) | otherBits | 1));

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_listener is { } listener)
        {
            await listener.DisposeAsync().ConfigureAwait(false);
        }

        GC.SuppressFinalize(this);
    }
}
