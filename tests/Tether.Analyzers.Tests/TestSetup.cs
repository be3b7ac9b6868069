using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;
using Tether.Generators;

namespace Tether.Analyzers.Tests;

/// <summary>
/// What every analyzer and code-fix test compiles against: the running .NET 10 framework's assemblies,
/// Tether.Runtime, and the Tether generator (a user always has it beside the analyzers, so sources
/// compile as they would for them). The testing library's own reference-pack download cannot reach a
/// NuGet feed it understands here.
/// </summary>
internal static class TestSetup
{
    private static readonly MetadataReference[] s_framework =
        ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(Path.PathSeparator)
            .Where(static path => Path.GetFileName(path).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(path) is "mscorlib.dll" or "netstandard.dll")
            .Select(static path => (MetadataReference)MetadataReference.CreateFromFile(path))
            .ToArray();

    public static readonly Type[] Generators = [typeof(TetherGenerator)];

    public static void Apply(SolutionState state, ref ReferenceAssemblies references)
    {
        references = new ReferenceAssemblies("net10.0");
        state.AdditionalReferences.AddRange(s_framework);
        state.AdditionalReferences.Add(typeof(MessageAttribute).Assembly);
        state.AdditionalReferences.Add(typeof(Microsoft.AspNetCore.Authorization.AuthorizeAttribute).Assembly);
        state.AdditionalReferences.Add(typeof(Microsoft.AspNetCore.Authorization.IAuthorizeData).Assembly);
    }

    /// <summary>Usings every test source starts with, so examples read like user code.</summary>
    public const string Usings = """
        using System;
        using System.Collections.Generic;
        using System.Threading;
        using System.Threading.Tasks;
        using Tether;

        """;
}
