using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;

namespace Tether.Analyzers.Tests;

/// <summary>
/// Analyzer test harness: the running .NET 10 framework's assemblies plus Tether.Runtime. (The
/// testing library's own reference-pack download cannot reach a NuGet feed it understands here.)
/// </summary>
internal sealed class AnalyzerTest<TAnalyzer> : CSharpAnalyzerTest<TAnalyzer, DefaultVerifier>
    where TAnalyzer : DiagnosticAnalyzer, new()
{
    private static readonly MetadataReference[] s_framework =
        ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(Path.PathSeparator)
            .Where(static path => Path.GetFileName(path).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(path) is "mscorlib.dll" or "netstandard.dll")
            .Select(static path => (MetadataReference)MetadataReference.CreateFromFile(path))
            .ToArray();

    public AnalyzerTest(string source)
    {
        TestCode = source;
        ReferenceAssemblies = new ReferenceAssemblies("net10.0");
        TestState.AdditionalReferences.AddRange(s_framework);
        TestState.AdditionalReferences.Add(typeof(MessageAttribute).Assembly);
    }
}
