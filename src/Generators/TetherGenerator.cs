using Microsoft.CodeAnalysis;
using Tether.Generators.Emitting;
using Tether.Generators.Model;
using Tether.Generators.Parsing;
using Tether.Generators.Shared;

namespace Tether.Generators;

/// <summary>
/// The Tether source generator: codecs for <c>[Message]</c> types, dispatch tables and capability
/// declarations for <c>[Handler]</c> types, clients and capability declarations for <c>[Service]</c> interfaces. This file is the pipeline only; parsing and emitting live
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

        /// <summary>Service interfaces parsed into models.</summary>
        public const string Services = "TetherServices";
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

        IncrementalValuesProvider<ParseResult<ServiceModel>> services = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                KnownNames.ServiceAttribute,
                static (node, _) => node is Microsoft.CodeAnalysis.CSharp.Syntax.InterfaceDeclarationSyntax,
                ServiceParser.Parse)
            .WithTrackingName(Steps.Services);

        // Problems the parsers find are not reported here: Tether.Analyzers runs the same parsers and
        // reports them where a code fix can reach them (docs/decisions/0005-analyzers.md). The generator
        // only skips a type it cannot emit.
        context.RegisterSourceOutput(messages, static (spc, result) =>
        {
            if (result.Model is { } model)
            {
                spc.AddSource(model.HintName, MessageEmitter.Emit(model));
            }
        });

        context.RegisterSourceOutput(handlers, static (spc, result) =>
        {
            if (result.Model is { } model)
            {
                spc.AddSource(model.HintName, HandlerEmitter.Emit(model));
            }
        });

        context.RegisterSourceOutput(services, static (spc, result) =>
        {
            if (result.Model is { } model)
            {
                spc.AddSource(model.HintName, ServiceEmitter.Emit(model));
            }
        });
    }
}
