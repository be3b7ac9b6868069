using System.Diagnostics;
using System.Net;

namespace Tether.Samples.Resume;

/// <summary>
/// The self-contained demo: a client streams numbered readings to a server through a relay that the demo cuts
/// several times; the session resumes each time and the server shows every reading arrived once, in order.
/// </summary>
public static class Demo
{
    public static async Task<int> RunAsync(TextWriter output, long readings = 20_000, int cuts = 5, CancellationToken cancellationToken = default)
    {
        await using var server = new TetherServer(new TetherServerOptions { EndPoint = new IPEndPoint(IPAddress.Loopback, 0) });
        server.AddHandler(new ReadingsHandler());
        int suspended = 0;
        server.SessionSuspended += _ => Interlocked.Increment(ref suspended);
        await server.StartAsync(cancellationToken);
        await using var relay = new FlakyRelay(server.LocalEndPoint!);
        output.WriteLine($"[server] listening on {server.LocalEndPoint}; the relay at {relay.EndPoint} forwards to it");

        // Resumable is the default; a short first backoff keeps the demo quick (the default starts at 1 s).
        var options = new TetherClientOptions { EndPoint = relay.EndPoint };
        options.Reconnect.InitialDelay = TimeSpan.FromMilliseconds(20);
        options.Reconnect.MaxDelay = TimeSpan.FromMilliseconds(500);
        await using var client = new TetherClient(options);

        var sinceCut = new Stopwatch();
        using var resumed = new SemaphoreSlim(0);
        int restarts = 0;
        client.Reconnected += attempt =>
        {
            output.WriteLine($"[client] resumed session {client.Contract?.SessionId} {sinceCut.ElapsedMilliseconds} ms after the cut (attempt {attempt.Attempt}, resumed: {attempt.Resumed})");
            resumed.Release();
        };
        client.SessionRestarted += reason =>
        {
            Interlocked.Increment(ref restarts);
            output.WriteLine($"[client] session restarted: {reason.Message}");
        };

        await client.StartAsync(cancellationToken);
        Guid sessionId = client.Contract!.SessionId;
        output.WriteLine($"[client] session {sessionId} started over {client.TransportName}; streaming {readings:N0} readings");

        var sensor = new ReadingsHandler.Client(client);
        long cutEvery = readings / (cuts + 1);
        int cutsDone = 0;
        for (long sequence = 0; sequence < readings; sequence++)
        {
            if (sequence > 0 && sequence % cutEvery == 0 && cutsDone < cuts)
            {
                if (cutsDone > 0)
                {
                    await resumed.WaitAsync(cancellationToken); // cut the next link only once the last cut has healed
                }

                int reset = relay.Cut();
                sinceCut.Restart();
                cutsDone++;
                output.WriteLine($"[demo] cut {cutsDone}: reset {reset} connection(s) after {sequence:N0} readings were sent");
            }

            // While the link is down, sends go on into the session's replay buffer and are delivered on resume.
            await sensor.Record(new Reading(sequence, 20 + (sequence % 50) / 10.0), cancellationToken);
        }

        if (cutsDone > 0)
        {
            await resumed.WaitAsync(cancellationToken); // the last cut has healed too
        }

        Tally tally = await sensor.Count(new TallyRequest(readings), cancellationToken);
        bool exact = tally.Received == readings && tally.FirstFault.Length == 0;
        output.WriteLine(exact
            ? $"[server] {tally.Received:N0} readings arrived, each exactly once and in order"
            : $"[server] only {tally.Received:N0} of {readings:N0} readings arrived in order; {tally.FirstFault}");
        bool sameSession = client.Contract!.SessionId == sessionId;
        output.WriteLine($"[client] same session throughout: {sameSession}; cuts: {cutsDone}; server suspensions: {Volatile.Read(ref suspended)}; restarts: {Volatile.Read(ref restarts)}");
        output.WriteLine("done");
        return exact && sameSession && cutsDone == cuts && restarts == 0 ? 0 : 1;
    }
}
