using System.Net;
using Tether.Samples.Durable;

namespace Tether.Samples.Tests;

/// <summary>
/// Idempotency keys against a real kill (decision 0022): the durable sample's server keeps the result of each keyed call
/// in its durable store, so a repeat from a new session after a SIGKILL and restart is answered from it and the handler's
/// effect (a line per run in a file) happens once per key. Asserted on the replies and the file.
/// </summary>
public sealed class IdempotencyKillTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "tether-keys-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public async Task A_kept_result_outlives_a_kill_so_a_repeat_after_the_restart_does_not_run_the_handler_again()
    {
        int port = Demo.FreePort();
        var endPoint = new IPEndPoint(IPAddress.Loopback, port);
        await using ServerProcess server = await ServerProcess.StartAsync(port, _directory);
        var keyed = new CallOptions { IdempotencyKey = "reservation-7", Timeout = TimeSpan.FromMinutes(1) };

        Reservation first;
        await using (var client = new TetherClient(new TetherClientOptions { Resumable = false }))
        {
            await client.StartAsync(endPoint).WaitAsync(TimeSpan.FromMinutes(1));
            first = await new LedgerHandler.Client(client).Reserve(new ReserveRequest(7, 250), keyed);
        }

        await server.KillAsync();
        await server.RestartAsync();

        await using (var client = new TetherClient(new TetherClientOptions { Resumable = false }))
        {
            await client.StartAsync(endPoint).WaitAsync(TimeSpan.FromMinutes(1));
            var ledger = new LedgerHandler.Client(client);
            Reservation repeat = await ledger.Reserve(new ReserveRequest(7, 250), keyed);
            Reservation unkeyed = await ledger.Reserve(new ReserveRequest(7, 250), CallOptions.WithTimeout(TimeSpan.FromMinutes(1)));
            var reused = await Assert.ThrowsAsync<TetherException>(() => ledger.Reserve(new ReserveRequest(7, 999), keyed).AsTask());

            Assert.Equal(new Reservation(7, 250, 1), first);
            Assert.Equal(first, repeat); // answered from the kept result: the handler did not run
            Assert.Equal(2, unkeyed.Runs); // a call of its own (a fresh key): it ran
            Assert.Equal(TetherErrorCode.IdempotencyKeyReused, reused.Code);
        }

        await server.KillAsync();
        Assert.Equal(2, Reservations.RunsOf(Path.Combine(_directory, "reservations.log"), 7));
    }
}
