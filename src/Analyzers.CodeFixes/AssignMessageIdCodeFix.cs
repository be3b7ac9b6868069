using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Tether.Analyzers.Messages;

namespace Tether.Analyzers.CodeFixes;

/// <summary>
/// TETH1005, TETH1006: gives the message the next free id (one above the largest id in use, counting ids
/// listed in <c>TetherMessages.Shipped.txt</c>, so a retired id is never handed out again).
/// </summary>
/// <remarks>
/// Fix All numbers messages one after another across the whole scope, and for a duplicate keeps the
/// id on the declaration that comes first (by file, then position) so only the newcomers move.
/// </remarks>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(AssignMessageIdCodeFix)), Shared]
public sealed class AssignMessageIdCodeFix : CodeFixProvider
{
    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } =
        ImmutableArray.Create(Descriptors.MessageIdOutOfRange.Id, Descriptors.DuplicateMessageId.Id);

    /// <inheritdoc />
    public override FixAllProvider GetFixAllProvider() => new FixAll();

    /// <inheritdoc />
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        int next = await NextFreeIdAsync(context.Document.Project, context.CancellationToken).ConfigureAwait(false);
        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            context.RegisterCodeFix(
                CodeAction.Create(
                    $"Use the next free message id ({next})",
                    async token =>
                    {
                        SyntaxNode? root = await context.Document.GetSyntaxRootAsync(token).ConfigureAwait(false);
                        return root is null || FindIdArgument(root, diagnostic) is not { } argument
                            ? context.Document
                            : context.Document.WithSyntaxRoot(root.ReplaceNode(argument, Literal(argument, next)));
                    },
                    equivalenceKey: nameof(AssignMessageIdCodeFix)),
                diagnostic);
        }
    }

    private static async Task<int> NextFreeIdAsync(Project project, CancellationToken cancellationToken)
    {
        int max = 0;
        Compilation? compilation = await project.GetCompilationAsync(cancellationToken).ConfigureAwait(false);
        if (compilation?.GetTypeByMetadataName("Tether.MessageAttribute") is { } attribute)
        {
            foreach (SyntaxTree tree in compilation.SyntaxTrees)
            {
                SemanticModel model = compilation.GetSemanticModel(tree);
                SyntaxNode root = await tree.GetRootAsync(cancellationToken).ConfigureAwait(false);
                foreach (TypeDeclarationSyntax type in root.DescendantNodes(static n => n is CompilationUnitSyntax or BaseNamespaceDeclarationSyntax or TypeDeclarationSyntax).OfType<TypeDeclarationSyntax>())
                {
                    if (type.AttributeLists.Count > 0 && model.GetDeclaredSymbol(type, cancellationToken) is { } symbol)
                    {
                        foreach (AttributeData data in symbol.GetAttributes())
                        {
                            if (SymbolEqualityComparer.Default.Equals(data.AttributeClass, attribute) && data.ConstructorArguments.FirstOrDefault().Value is int id
                                && id <= Generators.Parsing.MessageParser.MaxMessageId)
                            {
                                max = System.Math.Max(max, id);
                            }
                        }
                    }
                }
            }
        }

        foreach (TextDocument file in project.AdditionalDocuments)
        {
            if (string.Equals(file.Name, ShippedShapes.FileName, System.StringComparison.OrdinalIgnoreCase)
                && await file.GetTextAsync(cancellationToken).ConfigureAwait(false) is { } text)
            {
                foreach (int id in ShippedShapes.Parse(file.FilePath ?? file.Name, text).Entries.Keys)
                {
                    max = System.Math.Max(max, id);
                }
            }
        }

        return max + 1;
    }

    private static AttributeArgumentSyntax? FindIdArgument(SyntaxNode root, Diagnostic diagnostic)
    {
        TypeDeclarationSyntax? type = root.FindToken(diagnostic.Location.SourceSpan.Start).Parent?.AncestorsAndSelf().OfType<TypeDeclarationSyntax>().FirstOrDefault();
        return type?.AttributeLists.SelectMany(static list => list.Attributes)
            .FirstOrDefault(static a => a.Name.ToString() is "Message" or "MessageAttribute" or "Tether.Message" or "Tether.MessageAttribute" or "global::Tether.Message" or "global::Tether.MessageAttribute")
            ?.ArgumentList?.Arguments.FirstOrDefault();
    }

    private static AttributeArgumentSyntax Literal(AttributeArgumentSyntax argument, int id) =>
        argument.WithExpression(SyntaxFactory.LiteralExpression(SyntaxKind.NumericLiteralExpression, SyntaxFactory.Literal(id)).WithTriviaFrom(argument.Expression));

    private sealed class FixAll : FixAllProvider
    {
        public override IEnumerable<FixAllScope> GetSupportedFixAllScopes() =>
            new[] { FixAllScope.Document, FixAllScope.Project, FixAllScope.Solution };

        public override async Task<CodeAction?> GetFixAsync(FixAllContext context)
        {
            var documents = new List<Document>();
            switch (context.Scope)
            {
                case FixAllScope.Document when context.Document is not null:
                    documents.Add(context.Document);
                    break;
                case FixAllScope.Project:
                    documents.AddRange(context.Project.Documents);
                    break;
                case FixAllScope.Solution:
                    documents.AddRange(context.Solution.Projects.SelectMany(static p => p.Documents));
                    break;
                default:
                    return null;
            }

            var found = new List<(Document Document, Diagnostic Diagnostic)>();
            foreach (Document document in documents)
            {
                foreach (Diagnostic diagnostic in await context.GetDocumentDiagnosticsAsync(document).ConfigureAwait(false))
                {
                    found.Add((document, diagnostic));
                }
            }

            return found.Count == 0 ? null : CodeAction.Create(
                "Use the next free message ids",
                token => RenumberAsync(context.Solution, found, token),
                equivalenceKey: nameof(AssignMessageIdCodeFix));
        }

        private static async Task<Solution> RenumberAsync(Solution solution, List<(Document Document, Diagnostic Diagnostic)> found, CancellationToken cancellationToken)
        {
            // In source order; the first declaration of a duplicated id keeps it.
            found.Sort(static (a, b) =>
            {
                int byPath = string.CompareOrdinal(a.Diagnostic.Location.SourceTree?.FilePath, b.Diagnostic.Location.SourceTree?.FilePath);
                return byPath != 0 ? byPath : a.Diagnostic.Location.SourceSpan.Start.CompareTo(b.Diagnostic.Location.SourceSpan.Start);
            });
            var keptDuplicate = new HashSet<string>();
            var next = new Dictionary<ProjectId, int>();
            var edits = new Dictionary<DocumentId, List<(Diagnostic, int)>>();
            foreach ((Document document, Diagnostic diagnostic) in found)
            {
                if (diagnostic.Id == Descriptors.DuplicateMessageId.Id && keptDuplicate.Add(document.Project.Id + ":" + diagnostic.Properties[DuplicateMessageIdAnalyzer.MessageIdProperty]))
                {
                    continue;
                }

                if (!next.TryGetValue(document.Project.Id, out int id))
                {
                    id = await NextFreeIdAsync(document.Project, cancellationToken).ConfigureAwait(false);
                }

                next[document.Project.Id] = id + 1;
                if (!edits.TryGetValue(document.Id, out List<(Diagnostic, int)>? list))
                {
                    edits[document.Id] = list = new List<(Diagnostic, int)>();
                }

                list.Add((diagnostic, id));
            }

            foreach (KeyValuePair<DocumentId, List<(Diagnostic, int)>> pair in edits)
            {
                Document document = solution.GetDocument(pair.Key)!;
                SyntaxNode root = (await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false))!;
                var replacements = new Dictionary<AttributeArgumentSyntax, int>();
                foreach ((Diagnostic diagnostic, int id) in pair.Value)
                {
                    if (FindIdArgument(root, diagnostic) is { } argument)
                    {
                        replacements[argument] = id;
                    }
                }

                solution = solution.WithDocumentSyntaxRoot(pair.Key, root.ReplaceNodes(replacements.Keys, (original, _) => Literal(original, replacements[original])));
            }

            return solution;
        }
    }
}
