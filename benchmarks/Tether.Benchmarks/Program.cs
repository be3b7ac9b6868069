using BenchmarkDotNet.Running;

// Run every benchmark: dotnet run -c Release --project benchmarks/Tether.Benchmarks -- --filter '*'
// The batch codecs against MemoryPack, alternated in one process: ... -- --codec-loop [rounds] [operation filter]
if (args is ["--codec-loop", ..])
{
    Tether.Benchmarks.Codec.CodecLoop.Run(
        args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 15,
        args.Length > 2 ? args[2] : null);
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);

/// <summary>Entry point holder.</summary>
public partial class Program;
