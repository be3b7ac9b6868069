using System.Collections;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Tether.Generators.Model;

namespace Tether.Generators.Tests;

/// <summary>
/// The pipeline caches: an unrelated edit leaves every step Cached or Unchanged, a real edit to a
/// message is Modified, and no model holds a symbol, syntax node or compilation.
/// </summary>
public sealed class IncrementalityTests
{
    private static readonly string[] s_trackedSteps = [TetherGenerator.Steps.Messages, TetherGenerator.Steps.Handlers, TetherGenerator.Steps.Services];

    [Fact]
    public void An_unrelated_edit_leaves_every_step_cached_or_unchanged()
    {
        CSharpCompilation first = GeneratorHarness.Compile(Sources.Valid, "namespace Other; public static class Unrelated { public static int Value => 1; }");
        GeneratorDriver driver = GeneratorHarness.CreateDriver().RunGenerators(first);

        SyntaxTree unrelated = first.SyntaxTrees.Last();
        CSharpCompilation second = first.ReplaceSyntaxTree(
            unrelated,
            CSharpSyntaxTree.ParseText("namespace Other; public static class Unrelated { public static int Value => 2; public static int More => 3; }", (CSharpParseOptions)unrelated.Options, unrelated.FilePath));
        GeneratorRunResult result = driver.RunGenerators(second).GetRunResult().Results.Single();

        foreach (string step in s_trackedSteps)
        {
            Assert.True(result.TrackedSteps.ContainsKey(step), step + " was not tracked");
            foreach (IncrementalGeneratorRunStep run in result.TrackedSteps[step])
            {
                Assert.All(run.Outputs, output => Assert.True(
                    output.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged,
                    $"{step}: {output.Reason}"));
            }
        }

        Assert.NotEmpty(result.TrackedOutputSteps);
        Assert.All(result.TrackedOutputSteps.SelectMany(static s => s.Value).SelectMany(static r => r.Outputs), output => Assert.True(
            output.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged,
            $"output: {output.Reason}"));
    }

    [Fact]
    public void A_real_edit_to_a_service_interface_modifies_it_and_its_handler()
    {
        CSharpCompilation first = GeneratorHarness.Compile(Sources.Valid);
        GeneratorDriver driver = GeneratorHarness.CreateDriver().RunGenerators(first);

        SyntaxTree tree = first.SyntaxTrees.Single();
        string edited = Sources.Valid.Replace("[Method(Id = 40)] Task Clear(Basket basket);", "[Method(Id = 41)] Task Clear(Basket basket);", StringComparison.Ordinal);
        CSharpCompilation second = first.ReplaceSyntaxTree(tree, CSharpSyntaxTree.ParseText(edited, (CSharpParseOptions)tree.Options, tree.FilePath));
        GeneratorRunResult result = driver.RunGenerators(second).GetRunResult().Results.Single();

        Assert.Contains(IncrementalStepRunReason.Modified, result.TrackedSteps[TetherGenerator.Steps.Services].SelectMany(static r => r.Outputs).Select(static o => o.Reason));
        Assert.Contains(IncrementalStepRunReason.Modified, result.TrackedSteps[TetherGenerator.Steps.Handlers].SelectMany(static r => r.Outputs).Select(static o => o.Reason));
        Assert.Contains("case 41:", result.GeneratedSources.Single(static s => s.HintName == "Shop.DeskHandler.Dispatch.g.cs").SourceText.ToString(), StringComparison.Ordinal);
        Assert.Contains("new(41, \"Clear\"", result.GeneratedSources.Single(static s => s.HintName == "Shop.IDesk.Service.g.cs").SourceText.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_real_edit_to_a_message_is_modified()
    {
        CSharpCompilation first = GeneratorHarness.Compile(Sources.Valid);
        GeneratorDriver driver = GeneratorHarness.CreateDriver().RunGenerators(first);

        SyntaxTree tree = first.SyntaxTrees.Single();
        string edited = Sources.Valid.Replace("long TimestampTicks);", "long TimestampTicks, string? Venue);", StringComparison.Ordinal);
        CSharpCompilation second = first.ReplaceSyntaxTree(tree, CSharpSyntaxTree.ParseText(edited, (CSharpParseOptions)tree.Options, tree.FilePath));
        GeneratorRunResult result = driver.RunGenerators(second).GetRunResult().Results.Single();

        IEnumerable<IncrementalStepRunReason> reasons = result.TrackedSteps[TetherGenerator.Steps.Messages].SelectMany(static r => r.Outputs).Select(static o => o.Reason);
        Assert.Contains(IncrementalStepRunReason.Modified, reasons);
        Assert.Contains("Venue", result.GeneratedSources.Single(static s => s.HintName == "Shop.Order.Codec.g.cs").SourceText.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Pipeline_values_hold_no_symbols_syntax_or_compilations()
    {
        var (_, _, run) = GeneratorHarness.Run(Sources.Valid);
        GeneratorRunResult result = run.Results.Single();
        int checkedValues = 0;
        foreach (string step in s_trackedSteps)
        {
            foreach (var output in result.TrackedSteps[step].SelectMany(static r => r.Outputs))
            {
                AssertPure(output.Value, step, new HashSet<object>(ReferenceEqualityComparer.Instance));
                checkedValues++;
            }
        }

        Assert.True(checkedValues >= 4, "expected the models of 3 messages and 1 handler");
    }

    [Fact]
    public void Model_types_declare_no_symbol_syntax_or_compilation_members()
    {
        Type[] models = typeof(TetherGenerator).Assembly.GetTypes().Where(static t => t.Namespace == typeof(MessageModel).Namespace).ToArray();
        Assert.NotEmpty(models);
        foreach (Type model in models)
        {
            foreach (FieldInfo field in model.GetFields(BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public))
            {
                Assert.False(IsForbidden(field.FieldType), $"{model.Name}.{field.Name} is a {field.FieldType.Name}");
            }
        }
    }

    private static void AssertPure(object? value, string path, HashSet<object> seen)
    {
        if (value is null || value is string || value.GetType().IsPrimitive || value.GetType().IsEnum || !seen.Add(value))
        {
            return;
        }

        Assert.False(IsForbidden(value.GetType()), $"{path} holds a {value.GetType().FullName}");
        if (value is IEnumerable sequence)
        {
            int i = 0;
            foreach (object? item in sequence)
            {
                AssertPure(item, $"{path}[{i++}]", seen);
            }
        }

        foreach (FieldInfo field in value.GetType().GetFields(BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public))
        {
            AssertPure(field.GetValue(value), path + "." + field.Name, seen);
        }
    }

    private static bool IsForbidden(Type type) =>
        typeof(ISymbol).IsAssignableFrom(type) || typeof(SyntaxNode).IsAssignableFrom(type) || typeof(Compilation).IsAssignableFrom(type)
        || typeof(SemanticModel).IsAssignableFrom(type) || typeof(SyntaxTree).IsAssignableFrom(type) || typeof(Location).IsAssignableFrom(type);
}
