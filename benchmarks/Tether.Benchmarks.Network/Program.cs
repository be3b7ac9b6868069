using BenchmarkDotNet.Running;
using Tether.Benchmarks.Network;
using Tether.Benchmarks.Network.Servers;

// dotnet run -c Release --project benchmarks/Tether.Benchmarks.Network -- --filter '*'   (BenchmarkDotNet: calls/s, messages/s)
// dotnet run -c Release --project benchmarks/Tether.Benchmarks.Network -- --latency [calls]  (p50/p99 per framework and caller count)
// dotnet run -c Release --project benchmarks/Tether.Benchmarks.Network -- --deadlines [calls] [ms]  (how late deadlines fire)
// dotnet run -c Release --project benchmarks/Tether.Benchmarks.Network -- --bidi [messages] [rounds]  (bidirectional echo messages/s, Tether and gRPC)
// dotnet run -c Release --project benchmarks/Tether.Benchmarks.Network -- --observability [seconds] [rounds]  (cost of metrics and tracing)
// dotnet run -c Release --project benchmarks/Tether.Benchmarks.Network -- --security [seconds] [rounds]  (cost of authorization and rate limits)
// dotnet run -c Release --project benchmarks/Tether.Benchmarks.Network -- --storage [dir]  (the durable engine: flush rate, records/s, cold start, snapshot)
// dotnet run -c Release --project benchmarks/Tether.Benchmarks.Network -- --durable [calls] [rounds]  (latency a durable session adds per mode)
// dotnet run -c Release --project benchmarks/Tether.Benchmarks.Network -- --cluster [sends] [messages]  (Redis: cross-node send-to-session latency, fan-out, resume on another node)
// dotnet run -c Release --project benchmarks/Tether.Benchmarks.Network -- --wire [seconds] [rounds]  (generated client against a raw-socket echo: calls/s, p50/p99/p99.9, CPU per call, echo stream)
// benchmarks/connections.sh [seconds] [max]  (calls/s and server memory per connection, 1 to 10,000 connections)
// --serve tether|grpc|raw [--observe MODE] is the server process the benchmarks start for themselves.
if (args is ["--serve", string framework])
{
    return await ServerHost.RunAsync(framework);
}

if (args is ["--serve", string observedFramework, "--observe", string mode])
{
    return await ServerHost.RunAsync(observedFramework, mode);
}

if (args is ["--serve", "tether", "--secured"])
{
    return await ServerHost.RunAsync("tether", secured: true);
}

if (args is ["--serve", "tether", "--many"])
{
    return await ServerHost.RunAsync("tether", many: true);
}

// --connections [seconds] [max]: calls/s and server memory per connection at 1, 100, 1,000 and 10,000 connections
// (benchmarks/connections.sh raises the file-descriptor limit, then runs this).
if (args.Length > 0 && args[0] == "--connections")
{
    return await ConnectionsRunner.RunAsync(
        TimeSpan.FromSeconds(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 5),
        args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 10_000);
}

if (args is ["--serve", "tether", "--flood"])
{
    return await ServerHost.RunAsync("tether", flood: true);
}

if (args is ["--serve", "tether", "--durable", string durability])
{
    return await ServerHost.RunAsync("tether", durable: durability);
}

// --storage [DIR]: the embedded durable engine: the disk's raw flush rate, records/s per mode and writers, cold start and
// snapshot with 1,000,000 sessions (DIR defaults to a directory beside this program, on its disk).
if (args.Length > 0 && args[0] == "--storage")
{
    return await StorageRunner.RunAsync(args.Length > 1 ? args[1] : Path.Combine(AppContext.BaseDirectory, "storage-bench"));
}

// --durable [calls] [rounds]: unary latency (1 and 64 callers) on a resumable session kept in memory and in each durability mode.
if (args.Length > 0 && args[0] == "--durable")
{
    return await DurabilityRunner.RunAsync(
        args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 20_000,
        args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 3);
}

// --security [seconds] [rounds]: unary64 and one-way with authentication, [Authorize] and two rate limits, against none.
if (args.Length > 0 && args[0] == "--security")
{
    return await SecurityRunner.RunAsync(
        TimeSpan.FromSeconds(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 5),
        args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 3);
}

// --hello-flood [seconds]: hellos with wrong API keys from many connections, with the hello limit on; what a client that
// holds a session still gets meanwhile.
if (args.Length > 0 && args[0] == "--hello-flood")
{
    return await HelloFloodRunner.RunAsync(TimeSpan.FromSeconds(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 5));
}

if (args.Length > 0 && args[0] == "--cluster")
{
    return await ClusterRunner.RunAsync(
        args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 2_000,
        args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 20_000);
}

if (args.Length > 0 && args[0] == "--observability")
{
    return await ObservabilityRunner.RunAsync(
        TimeSpan.FromSeconds(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 5),
        args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 3,
        args.Length > 3 ? args[3].Split(',') : null);
}

// --soak oneway|unary64|unaryN|stream|streambatched FRAMEWORK SECONDS: steady load for a profiler (dotnet-trace, perf) to attach to either process.
if (args is ["--soak", string kind, string soakFramework, string seconds])
{
    return await SoakRunner.RunAsync(kind, soakFramework, TimeSpan.FromSeconds(int.Parse(seconds, System.Globalization.CultureInfo.InvariantCulture)));
}

// --pool [calls]: unary calls/s and latency through a client pool of 1 and of 8 connections at 64 and 512 callers.
// --bidi [messages] [rounds]: a bidirectional echo stream, Tether against gRPC, each server in its own process.
if (args.Length > 0 && args[0] == "--bidi")
{
    return await BidiRunner.RunAsync(
        args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 1_000_000,
        args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 3);
}

if (args.Length > 0 && args[0] == "--pool")
{
    return await PoolRunner.RunAsync(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 200_000);
}

if (args.Length > 0 && args[0] == "--wire")
{
    return await Tether.Benchmarks.Network.Wire.WireRunner.RunAsync(
        TimeSpan.FromSeconds(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 4),
        args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 3);
}

if (args.Length > 0 && args[0] == "--latency")
{
    return await LatencyRunner.RunAsync(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 200_000);
}

// --deadlines [calls] [ms]: how late deadlines fire, on the caller and in the handler.
if (args.Length > 0 && args[0] == "--deadlines")
{
    return await DeadlineRunner.RunAsync(
        args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 400,
        args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 300);
}

BenchmarkSwitcher.FromAssembly(typeof(UnaryBenchmarks).Assembly).Run(args);
return 0;
