using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using BenchmarkDotNet.Attributes;
using Tether.Benchmarks.Network.Servers;
using Tether.Quic;
using Tether.Transport;
using Tether.Transport.Tcp;
using Tether.Transport.Tls;

namespace Tether.Benchmarks.Network;

/// <summary>
/// QUIC against TCP and TLS-over-TCP on loopback, in one run and one process (client and server share the two cores):
/// handshake (a Tether client's connect, negotiation included), bulk bytes on one link, and unary calls from 16
/// callers. "quic-64k" is QUIC with 65,000-byte UDP payloads (loopback only; path-MTU discovery off).
/// </summary>
[Config(typeof(LongWarmupConfig))]
public class TransportBenchmarks
{
    public const int HandshakesPerInvoke = 20;
    public const int BulkMebibytes = 64;
    public const int CallsPerInvoke = 20_000;
    private const int ChunkSize = 64 * 1024;

    private readonly byte[] _chunk = new byte[ChunkSize];
    private TetherServer _server = null!;
    private ITransportListener _bulkListener = null!;
    private ITransportConnector _connector = null!;
    private TransportConnection _bulkClient = null!;
    private TetherClient _client = null!;
    private Task _bulkServer = Task.CompletedTask;
    private TaskCompletionSource<long> _bulkDone = new();
    private long _bulkTarget;

    [Params("tcp", "tls", "quic", "quic-shared", "quic-64k")]
    public string Transport { get; set; } = "quic";

    [GlobalSetup]
    public async Task SetupAsync()
    {
        (ITransportListenerFactory listener, ITransportConnector connector) = Create(Transport);
        _connector = connector;
        _server = new TetherServer(new TetherServerOptions { EndPoint = new IPEndPoint(IPAddress.Loopback, 0), Transport = listener });
        _server.AddHandler(new EchoHandler());
        await _server.StartAsync();
        _client = await TetherClient.ConnectAsync(_server.LocalEndPoint!, new TetherClientOptions { Transport = connector });

        var pipes = new TransportConnectionOptions();
        _bulkListener = await listener.BindAsync(new IPEndPoint(IPAddress.Loopback, 0), pipes);
        Task<TransportConnection?> accepted = _bulkListener.AcceptAsync().AsTask();
        _bulkClient = await connector.ConnectAsync(_bulkListener.EndPoint, pipes);
        await _bulkClient.Output.WriteAsync(new byte[1]); // a QUIC server sees the link once bytes flow
        TransportConnection server = (await accepted)!;
        _bulkServer = DrainAsync(server);
    }

    [Benchmark(OperationsPerInvoke = HandshakesPerInvoke)]
    public async Task Handshake()
    {
        for (int i = 0; i < HandshakesPerInvoke; i++)
        {
            await using TetherClient client = await TetherClient.ConnectAsync(_server.LocalEndPoint!, new TetherClientOptions { Transport = _connector });
        }
    }

    /// <summary>One operation = one MiB sent and counted by the receiver.</summary>
    [Benchmark(OperationsPerInvoke = BulkMebibytes)]
    public async Task Bulk()
    {
        _bulkDone = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _bulkTarget, Volatile.Read(ref _bulkTarget) + BulkMebibytes * 1024L * 1024L);
        for (int i = 0; i < BulkMebibytes * 1024 * 1024 / ChunkSize; i++)
        {
            await _bulkClient.Output.WriteAsync(_chunk);
        }

        await _bulkDone.Task;
    }

    [Benchmark(OperationsPerInvoke = CallsPerInvoke)]
    public Task Unary16() => Task.WhenAll(Enumerable.Range(0, 16).Select(_ => CallerAsync(CallsPerInvoke / 16)));

    private async Task CallerAsync(int calls)
    {
        Order order = Order.Sample;
        for (int i = 0; i < calls; i++)
        {
            await _client.RequestAsync<Order, Order>(order).ConfigureAwait(false);
        }
    }

    private async Task DrainAsync(TransportConnection connection)
    {
        long received = -1; // the opening byte
        while (true)
        {
            ReadResult result = await connection.Input.ReadAsync();
            received += result.Buffer.Length;
            connection.Input.AdvanceTo(result.Buffer.End);
            if (received >= Volatile.Read(ref _bulkTarget) && _bulkTarget > 0)
            {
                _bulkDone.TrySetResult(received);
            }

            if (result.IsCompleted)
            {
                return;
            }
        }
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        await _client.DisposeAsync();
        await _bulkClient.DisposeAsync();
        await _bulkServer.WaitAsync(TimeSpan.FromSeconds(10));
        await _bulkListener.DisposeAsync();
        await _server.DisposeAsync();
    }

    private static (ITransportListenerFactory, ITransportConnector) Create(string transport)
    {
        if (transport == "tcp")
        {
            return (TcpTransport.Default, TcpTransport.Default);
        }

        (TetherTlsOptions server, TetherTlsOptions client) = BenchmarkCertificates.Options();
        return transport switch
        {
            "tls" => (new TlsTransport(server), new TlsTransport(client)),
            "quic" => (new QuicTransport(server, Quic()), new QuicTransport(client, Quic())),
            "quic-64k" => (new QuicTransport(server, Quic(65000)), new QuicTransport(client, Quic(65000))),
            // Every call on the link's stream (MaxCallStreams = 0): what a stream per call costs, and saves.
            "quic-shared" => (new QuicTransport(server, Quic(callStreams: 0)), new QuicTransport(client, Quic(callStreams: 0))),
            _ => throw new ArgumentOutOfRangeException(nameof(transport), transport, null),
        };
    }

    private static QuicTransportOptions Quic(int payload = 1452, int callStreams = 1000) =>
        new() { InitialRtt = TimeSpan.FromMilliseconds(1), MaxUdpPayloadSize = payload, MaxCallStreams = callStreams };
}

/// <summary>A throwaway root and a loopback server certificate for the secured transports.</summary>
internal static class BenchmarkCertificates
{
    private static readonly Lazy<(X509Certificate2 Root, X509Certificate2 Server)> s_pki = new(Create);

    public static (TetherTlsOptions Server, TetherTlsOptions Client) Options()
    {
        var server = new TetherTlsOptions { Certificate = s_pki.Value.Server };
        var client = new TetherTlsOptions();
        client.TrustedAuthorities.Add(s_pki.Value.Root);
        return (server, client);
    }

    private static (X509Certificate2, X509Certificate2) Create()
    {
        using var rootKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var rootRequest = new CertificateRequest("CN=Tether Benchmark Root", rootKey, HashAlgorithmName.SHA256);
        rootRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        rootRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        X509Certificate2 root = rootRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));

        using var serverKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", serverKey, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        byte[] serial = RandomNumberGenerator.GetBytes(8);
        using X509Certificate2 issued = request.Create(root, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(7), serial);
        return (root, issued.CopyWithPrivateKey(serverKey));
    }
}
