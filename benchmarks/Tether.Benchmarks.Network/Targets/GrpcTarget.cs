using System.Net.Http;
using Grpc.Net.Client;
using Tether.Benchmarks.Network.Grpc;

namespace Tether.Benchmarks.Network.Targets;

/// <summary>gRPC-dotnet over h2c, one HTTP/2 connection.</summary>
public sealed class GrpcTarget : Target
{
    /// <summary>The standard Order in gRPC's generated type.</summary>
    internal static readonly Grpc.Order SampleOrder = new()
    {
        Id = Order.Sample.Id,
        Quantity = Order.Sample.Quantity,
        Price = Order.Sample.Price,
        Symbol = Order.Sample.Symbol,
        IsBuy = Order.Sample.IsBuy,
        TimestampTicks = Order.Sample.TimestampTicks,
    };

    private GrpcChannel? _channel;
    private EchoService.EchoServiceClient? _client;

    public override string ServerFramework => "grpc";

    public override async Task ConnectAsync(int port)
    {
        _channel = GrpcChannel.ForAddress($"http://127.0.0.1:{port}", new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = false },
        });
        _client = new EchoService.EchoServiceClient(_channel);
        await _client.EchoAsync(SampleOrder); // open the connection
    }

    public override Task UnaryAsync(int callers, int calls, long[]? latencies = null)
    {
        EchoService.EchoServiceClient client = _client!;
        return RunCallers(callers, calls, latencies, async () => await client.EchoAsync(SampleOrder).ResponseAsync.ConfigureAwait(false));
    }

    public override async Task<long> OneWayAsync(int messages)
    {
        using var call = _client!.Publish();
        for (int i = 0; i < messages; i++)
        {
            await call.RequestStream.WriteAsync(SampleOrder).ConfigureAwait(false);
        }

        await call.RequestStream.CompleteAsync().ConfigureAwait(false);
        return (await call.ResponseAsync.ConfigureAwait(false)).Received;
    }

    public override ValueTask DisposeAsync()
    {
        _channel?.Dispose();
        return ValueTask.CompletedTask;
    }
}
