using Microsoft.CodeAnalysis;
using Tether.Generators.Emitting;
using Tether.Generators.Model;
using Tether.Generators.Parsing;
using Tether.Generators.Shared;

namespace Tether.Generators;

/// <summary>
/// The Tether source generator: codecs for <c>[Message]</c> types, dispatch tables and capability
/// declarations for <c>[Handler]</c> types. This file is the pipeline only; parsing and emitting live
/// in their own folders.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class TetherGenerator : IIncrementalGenerator
{
    /// <summary>Tracking names of the pipeline steps, asserted by the incrementality tests.</summary>
    public static class Steps
    {
        /// <summary>Message types parsed into models.</summary>
        public const string Messages = "TetherMessages";

        /// <summary>Handler types parsed into models.</summary>
        public const string Handlers = "TetherHandlers";
    }

    /// <inheritdoc />
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        IncrementalValuesProvider<ParseResult<MessageModel>> messages = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                KnownNames.MessageAttribute,
                static (node, _) => node is Microsoft.CodeAnalysis.CSharp.Syntax.TypeDeclarationSyntax,
                MessageParser.Parse)
            .WithTrackingName(Steps.Messages);

        IncrementalValuesProvider<ParseResult<HandlerModel>> handlers = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                KnownNames.HandlerAttribute,
                static (node, _) => node is Microsoft.CodeAnalysis.CSharp.Syntax.ClassDeclarationSyntax,
                HandlerParser.Parse)
            .WithTrackingName(Steps.Handlers);

        context.RegisterSourceOutput(messages, static (spc, result) =>
        {
            Report(spc, result.Diagnostics);
            if (result.Model is { } model)
            {
                spc.AddSource(model.HintName, MessageEmitter.Emit(model));
            }
        });

        context.RegisterSourceOutput(handlers, static (spc, result) =>
        {
            Report(spc, result.Diagnostics);
            if (result.Model is { } model)
            {
                spc.AddSource(model.HintName, HandlerEmitter.Emit(model));
            }
        });
    }

    private static void Report(SourceProductionContext context, EquatableArray<DiagnosticInfo> diagnostics)
    {
        foreach (DiagnosticInfo info in diagnostics)
        {
            object[] arguments = new object[info.Arguments.Count];
            for (int i = 0; i < arguments.Length; i++)
            {
                arguments[i] = info.Arguments[i];
            }

            context.ReportDiagnostic(Diagnostic.Create(GeneratorDiagnostics.Find(info.Id), info.Location?.ToLocation(), arguments));
        }
    }
}
