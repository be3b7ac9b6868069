using System.Diagnostics;
using System.Net;

namespace Tether.Benchmarks.Network.Targets;

/// <summary>Tether's client; <paramref name="resumable"/> false turns session sequencing, acks and replay off (a plain link).</summary>
public sealed class TetherTarget(bool resumable, Security.TetherCredentials? credentials = null) : Target
{
    private TetherClient? _client;

    public override string ServerFramework => "tether";

    public override async Task ConnectAsync(int port) =>
        _client = await TetherClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), new TetherClientOptions { Resumable = resumable, Credentials = credentials });

    public override Task UnaryAsync(int callers, int calls, long[]? latencies = null)
    {
        TetherClient client = _client!;
        return Task.WhenAll(Enumerable.Range(0, callers).Select(caller => Caller(client, caller, callers, calls, latencies)));
    }

    // A plain loop per caller (no delegate per call): the client's request path is what is measured.
    private static async Task Caller(TetherClient client, int caller, int callers, int calls, long[]? latencies)
    {
        int share = calls / callers + (caller < calls % callers ? 1 : 0);
        int offset = caller * (calls / callers) + Math.Min(caller, calls % callers);
        Order order = Order.Sample;
        for (int i = 0; i < share; i++)
        {
            long start = latencies is null ? 0 : Stopwatch.GetTimestamp();
            await client.RequestAsync<Order, Order>(order).ConfigureAwait(false);
            if (latencies is not null)
            {
                latencies[offset + i] = Stopwatch.GetTimestamp() - start;
            }
        }
    }

    public override async Task<long> OneWayAsync(int messages)
    {
        TetherClient client = _client!;
        OrderPlaced order = OrderPlaced.Sample;
        for (int i = 0; i < messages; i++)
        {
            await client.SendAsync(order).ConfigureAwait(false);
        }

        return (await client.RequestAsync<CountRequest, CountReply>(new CountRequest(0)).ConfigureAwait(false)).Received;
    }

    public override async ValueTask DisposeAsync()
    {
        if (_client is not null)
        {
            await _client.DisposeAsync();
        }
    }
}
