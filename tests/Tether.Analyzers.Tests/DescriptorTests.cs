using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Tether.Analyzers.Tests;

/// <summary>Checks over every rule: id, category, help page, release tracking, localization, registration.</summary>
public sealed partial class DescriptorTests
{
    private static readonly string s_root = FindRoot();

    public static TheoryData<string> Ids()
    {
        var data = new TheoryData<string>();
        foreach (DiagnosticDescriptor descriptor in All())
        {
            data.Add(descriptor.Id);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void Rule_has_id_category_localized_text_help_page_and_release_entry(string id)
    {
        DiagnosticDescriptor descriptor = All().Single(d => d.Id == id);
        Assert.Matches(IdPattern(), descriptor.Id);
        Assert.Contains(descriptor.Category, new[] { "Usage", "Design", "Performance", "Reliability", "Security" });
        Assert.IsType<LocalizableResourceString>(descriptor.Title);
        Assert.False(string.IsNullOrWhiteSpace(descriptor.Title.ToString(CultureInfo.InvariantCulture)));
        Assert.False(string.IsNullOrWhiteSpace(descriptor.MessageFormat.ToString(CultureInfo.InvariantCulture)));
        Assert.False(string.IsNullOrWhiteSpace(descriptor.Description.ToString(CultureInfo.InvariantCulture)));
        Assert.Equal("docs/diagnostics/" + id + ".md", descriptor.HelpLinkUri);

        string page = File.ReadAllText(Path.Combine(s_root, "docs", "diagnostics", id + ".md"));
        Assert.StartsWith("# " + id + ": ", page, StringComparison.Ordinal);
        Assert.Contains("## Bad", page, StringComparison.Ordinal);
        Assert.Contains("## Good", page, StringComparison.Ordinal);
        Assert.Contains("| Category | " + descriptor.Category + " |", page, StringComparison.Ordinal);
        Assert.Contains("| Severity | " + descriptor.DefaultSeverity + " |", page, StringComparison.Ordinal);

        string releases = File.ReadAllText(Path.Combine(s_root, "src", "Analyzers", "AnalyzerReleases.Unshipped.md"));
        Assert.Contains($"{id} | {descriptor.Category} | {descriptor.DefaultSeverity} |", releases, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_rule_is_reported_by_exactly_one_analyzer()
    {
        string[] supported = Analyzers().SelectMany(static a => a.SupportedDiagnostics).Select(static d => d.Id).ToArray();
        Assert.Equal(All().Select(static d => d.Id).Order(StringComparer.Ordinal), supported.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Analyzers_run_concurrently_skip_generated_code_and_never_walk_whole_trees()
    {
        foreach (DiagnosticAnalyzer analyzer in Analyzers())
        {
            var context = new RecordingContext();
            analyzer.Initialize(context);
            Assert.True(context.Concurrent, analyzer.GetType().Name + " does not enable concurrent execution");
            Assert.Equal(GeneratedCodeAnalysisFlags.None, context.GeneratedCode);
            Assert.Empty(context.TreeWalks);
            Assert.NotEmpty(context.Registered); // it did register its symbol/operation actions
        }
    }

    private static IEnumerable<DiagnosticAnalyzer> Analyzers() =>
        typeof(Descriptors).Assembly.GetTypes()
            .Where(static t => !t.IsAbstract && typeof(DiagnosticAnalyzer).IsAssignableFrom(t))
            .Select(static t => (DiagnosticAnalyzer)Activator.CreateInstance(t)!);

    private static IEnumerable<DiagnosticDescriptor> All() =>
        typeof(Descriptors).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(static f => f.FieldType == typeof(DiagnosticDescriptor))
            .Select(static f => (DiagnosticDescriptor)f.GetValue(null)!);

    private static string FindRoot()
    {
        for (string? directory = AppContext.BaseDirectory; directory is not null; directory = Path.GetDirectoryName(directory))
        {
            if (File.Exists(Path.Combine(directory, "Framework.sln")))
            {
                return directory;
            }
        }

        throw new InvalidOperationException("repository root not found");
    }

    private static Microsoft.CodeAnalysis.CSharp.CSharpCompilation TetherCompilation() =>
        Microsoft.CodeAnalysis.CSharp.CSharpCompilation.Create(
            "Probe",
            [Microsoft.CodeAnalysis.CSharp.CSharpSyntaxTree.ParseText("[Tether.Message(1)] public partial record Order(int Id);")],
            ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
                .Select(static path => MetadataReference.CreateFromFile(path))
                .Append(MetadataReference.CreateFromFile(typeof(MessageAttribute).Assembly.Location)));

    [GeneratedRegex(@"^TETH[1-4]\d{3}$")]
    private static partial Regex IdPattern();

    /// <summary>Records how an analyzer registers: whole-tree actions (syntax tree, semantic model) are the slow kind.</summary>
    private sealed class RecordingContext : AnalysisContext
    {
        public bool Concurrent { get; private set; }

        public GeneratedCodeAnalysisFlags? GeneratedCode { get; private set; }

        public List<string> TreeWalks { get; } = [];

        public List<string> Registered { get; } = [];

        public override void EnableConcurrentExecution() => Concurrent = true;

        public override void ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags analysisMode) => GeneratedCode = analysisMode;

        // Runs the start action against a compilation that references Tether, to see what it registers inside.
        public override void RegisterCompilationStartAction(Action<CompilationStartAnalysisContext> action) =>
            action(new RecordingStartContext(this));

        public override void RegisterCompilationAction(Action<CompilationAnalysisContext> action) => TreeWalks.Add("compilation");

        public override void RegisterSemanticModelAction(Action<SemanticModelAnalysisContext> action) => TreeWalks.Add("semantic model");

        public override void RegisterSymbolAction(Action<SymbolAnalysisContext> action, System.Collections.Immutable.ImmutableArray<SymbolKind> symbolKinds)
        {
        }

        public override void RegisterCodeBlockStartAction<TLanguageKindEnum>(Action<CodeBlockStartAnalysisContext<TLanguageKindEnum>> action)
        {
        }

        public override void RegisterCodeBlockAction(Action<CodeBlockAnalysisContext> action)
        {
        }

        public override void RegisterSyntaxTreeAction(Action<SyntaxTreeAnalysisContext> action) => TreeWalks.Add("syntax tree");

        public override void RegisterSyntaxNodeAction<TLanguageKindEnum>(Action<SyntaxNodeAnalysisContext> action, System.Collections.Immutable.ImmutableArray<TLanguageKindEnum> syntaxKinds)
        {
        }
    }

    private sealed class RecordingStartContext(RecordingContext owner)
        : CompilationStartAnalysisContext(TetherCompilation(), new AnalyzerOptions([]), CancellationToken.None)
    {
        public override void RegisterCompilationEndAction(Action<CompilationAnalysisContext> action)
        {
        }

        public override void RegisterSemanticModelAction(Action<SemanticModelAnalysisContext> action) => owner.TreeWalks.Add("semantic model");

        public override void RegisterSyntaxTreeAction(Action<SyntaxTreeAnalysisContext> action) => owner.TreeWalks.Add("syntax tree");

        public override void RegisterSymbolAction(Action<SymbolAnalysisContext> action, System.Collections.Immutable.ImmutableArray<SymbolKind> symbolKinds) =>
            owner.Registered.Add("symbol");

        public override void RegisterSymbolStartAction(Action<SymbolStartAnalysisContext> action, SymbolKind symbolKind) => owner.Registered.Add("symbol start");

        public override void RegisterOperationAction(Action<OperationAnalysisContext> action, System.Collections.Immutable.ImmutableArray<OperationKind> operationKinds) =>
            owner.Registered.Add("operation");

        public override void RegisterOperationBlockStartAction(Action<OperationBlockStartAnalysisContext> action) => owner.Registered.Add("operation block");

        public override void RegisterCodeBlockStartAction<TLanguageKindEnum>(Action<CodeBlockStartAnalysisContext<TLanguageKindEnum>> action) => owner.TreeWalks.Add("code block");

        public override void RegisterCodeBlockAction(Action<CodeBlockAnalysisContext> action) => owner.TreeWalks.Add("code block");

        public override void RegisterSyntaxNodeAction<TLanguageKindEnum>(Action<SyntaxNodeAnalysisContext> action, System.Collections.Immutable.ImmutableArray<TLanguageKindEnum> syntaxKinds) =>
            owner.TreeWalks.Add("syntax node");
    }
}
