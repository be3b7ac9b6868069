using BenchmarkDotNet.Running;

// Run every benchmark: dotnet run -c Release --project benchmarks/Tether.Benchmarks -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);

/// <summary>Entry point holder.</summary>
public partial class Program;
