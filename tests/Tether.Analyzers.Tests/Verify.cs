using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;

namespace Tether.Analyzers.Tests;

/// <summary>Analyzer tests: sources with <c>[| |]</c> / <c>{|TETHnnnn:…|}</c> markup, compiled with the generator.</summary>
internal sealed class AnalyzerTest<TAnalyzer> : CSharpAnalyzerTest<TAnalyzer, DefaultVerifier>
    where TAnalyzer : DiagnosticAnalyzer, new()
{
    public AnalyzerTest(string source, params (string Path, string Text)[] additionalFiles)
    {
        TestCode = TestSetup.Usings + source;
        ReferenceAssemblies references = ReferenceAssemblies;
        TestSetup.Apply(TestState, ref references);
        ReferenceAssemblies = references;
        TestBehaviors |= TestBehaviors.SkipGeneratedSourcesCheck;
        foreach ((string path, string text) in additionalFiles)
        {
            TestState.AdditionalFiles.Add((path, text));
        }
    }

    protected override IEnumerable<Type> GetSourceGenerators() => TestSetup.Generators;
}

/// <summary>Code-fix tests: the fix applied one diagnostic at a time and through Fix All (document, project, solution).</summary>
internal sealed class CodeFixTest<TAnalyzer, TCodeFix> : CSharpCodeFixTest<TAnalyzer, TCodeFix, DefaultVerifier>
    where TAnalyzer : DiagnosticAnalyzer, new()
    where TCodeFix : CodeFixProvider, new()
{
    public CodeFixTest(string source, string fixedSource)
    {
        TestCode = TestSetup.Usings + source;
        FixedCode = TestSetup.Usings + fixedSource;
        ReferenceAssemblies references = ReferenceAssemblies;
        TestSetup.Apply(TestState, ref references);
        TestSetup.Apply(FixedState, ref references);
        ReferenceAssemblies = references;
        TestBehaviors |= TestBehaviors.SkipGeneratedSourcesCheck;
    }

    protected override IEnumerable<Type> GetSourceGenerators() => TestSetup.Generators;
}

/// <summary>Short entry points, as the Roslyn analyzer templates have them.</summary>
internal static class Verify
{
    public static Task AnalyzerAsync<TAnalyzer>(string source, params DiagnosticResult[] expected)
        where TAnalyzer : DiagnosticAnalyzer, new()
    {
        var test = new AnalyzerTest<TAnalyzer>(source);
        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync();
    }

    public static Task NoDiagnosticsAsync<TAnalyzer>(string source)
        where TAnalyzer : DiagnosticAnalyzer, new() => new AnalyzerTest<TAnalyzer>(source).RunAsync();

    public static Task FixAsync<TAnalyzer, TCodeFix>(string source, string fixedSource, params DiagnosticResult[] expected)
        where TAnalyzer : DiagnosticAnalyzer, new()
        where TCodeFix : CodeFixProvider, new()
    {
        var test = new CodeFixTest<TAnalyzer, TCodeFix>(source, fixedSource);
        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync();
    }

    public static DiagnosticResult Diagnostic(DiagnosticDescriptor descriptor) => new(descriptor);
}
