using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Tether;
using Tether.Diagnostics;
using Tether.Samples.Observability;

// A running server that shows its metrics (a Prometheus scrape over HTTP), a trace and its health.
// No arguments: the demo runs on loopback and exits. "--serve": it keeps serving until Ctrl+C, so you can scrape it.
bool serve = args is ["--serve"];
int metricsPort = FreeLoopbackPort();
var spans = new List<Activity>();

HostApplicationBuilder builder = Host.CreateApplicationBuilder();
builder.Logging.ClearProviders();
builder.Logging.AddSimpleConsole(o =>
{
    o.IncludeScopes = true; // the handler's log line carries the session and method
    o.SingleLine = true;
});
builder.Logging.SetMinimumLevel(LogLevel.Warning)
    .AddFilter(typeof(PricesHandler).FullName, LogLevel.Information)
    .AddFilter("Microsoft.Extensions.Diagnostics.HealthChecks", LogLevel.None); // the demo prints the health report itself
builder.Services.AddSingleton<PricesHandler>();
builder.Services.AddTetherServer(o => o.EndPoint = new IPEndPoint(IPAddress.Loopback, 0)).AddHandler<PricesHandler>();
builder.Services.AddOpenTelemetry()
    .WithMetrics(metrics => metrics
        .AddTetherInstrumentation()
        .AddPrometheusHttpListener(o =>
        {
            o.Host = "127.0.0.1";
            o.Port = metricsPort;
            o.ScrapeResponseCacheDurationMilliseconds = 0; // every scrape reads the instruments now
        }))
    .WithTracing(tracing => tracing
        .AddTetherInstrumentation()
        .AddSource(DemoSource.Name)
        .AddInMemoryExporter(spans));
builder.Services.AddHealthChecks().AddTetherServerCheck();

using IHost host = builder.Build();
await host.StartAsync();
TetherServer server = host.Services.GetRequiredService<TetherServer>();
HealthCheckService health = host.Services.GetRequiredService<HealthCheckService>();
Console.WriteLine($"[server] listening on {server.LocalEndPoint}; metrics on http://127.0.0.1:{metricsPort}/metrics");
Console.WriteLine($"[health] {await DescribeHealthAsync(health)}");

await using (TetherClient client = await TetherClient.ConnectAsync(server.LocalEndPoint!))
{
    var prices = new IPrices.Client(client);
    using (Activity? checkout = DemoSource.Instance.StartActivity("checkout"))
    {
        Price price = await prices.Get(new Lookup("book"));
        Console.WriteLine($"[client] {price.Sku} costs {price.Amount}");
        try
        {
            await prices.Get(new Lookup("unknown"));
        }
        catch (TetherException e)
        {
            Console.WriteLine($"[client] unknown product: {TetherErrors.Get(e.Code).Name}");
        }
    }

    // The trace: the demo's span, each call's client span, and the server span under it.
    Activity root = spans.Single(s => s.DisplayName == "checkout");
    foreach (Activity span in spans.Where(s => s.TraceId == root.TraceId).OrderBy(s => s.StartTimeUtc))
    {
        int depth = Depth(span, spans);
        Console.WriteLine($"[trace] {new string(' ', depth * 2)}{span.DisplayName} ({span.Kind}, {span.Status}) {span.Source.Name}");
    }

    if (serve)
    {
        Console.WriteLine("[server] serving until Ctrl+C");
        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };
        await Task.Delay(Timeout.Infinite, stop.Token).ContinueWith(static _ => { }, TaskScheduler.Default);
    }

    // The metrics, as Prometheus scrapes them.
    using var http = new HttpClient();
    string scrape = await http.GetStringAsync(new Uri($"http://127.0.0.1:{metricsPort}/metrics"));
    foreach (string line in scrape.Split('\n').Where(static l => l.StartsWith("rpc_server_call_duration_seconds_count", StringComparison.Ordinal)
        || l.StartsWith("rpc_client_call_duration_seconds_count", StringComparison.Ordinal)
        || l.StartsWith("tether_session_active", StringComparison.Ordinal)))
    {
        Console.WriteLine($"[metrics] {line}");
    }
}

await server.StopAsync();
Console.WriteLine($"[health] after stop: {await DescribeHealthAsync(health)}");
await host.StopAsync();
Console.WriteLine("done");
return 0;

static async Task<string> DescribeHealthAsync(HealthCheckService health)
{
    HealthReport report = await health.CheckHealthAsync();
    return string.Join("; ", report.Entries.Select(static e => $"{e.Key}: {e.Value.Status} ({e.Value.Description})"));
}

static int Depth(Activity span, List<Activity> all)
{
    int depth = 0;
    for (ActivitySpanId parent = span.ParentSpanId; all.FirstOrDefault(s => s.SpanId == parent) is { } up; parent = up.ParentSpanId)
    {
        depth++;
    }

    return depth;
}

static int FreeLoopbackPort()
{
    using var probe = new TcpListener(IPAddress.Loopback, 0);
    probe.Start();
    return ((IPEndPoint)probe.LocalEndpoint).Port;
}

/// <summary>The demo's own activity source: its "checkout" span is the root of the trace.</summary>
internal static class DemoSource
{
    public const string Name = "Tether.Samples.Observability";

    public static readonly ActivitySource Instance = new(Name);
}
