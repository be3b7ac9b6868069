using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Tether.Analyzers.Support;
using Tether.Generators.Parsing;
using Tether.Generators.Shared;

namespace Tether.Analyzers.Security;

/// <summary>
/// TETH4001: <c>[AllowAnonymous]</c> on a handler method, or on its class, silences an <c>[Authorize]</c> on the method;
/// TETH4002: a <c>[RateLimit]</c> without a policy name or with a weight below 1; TETH4003: an access attribute or a
/// <c>[CallFilter&lt;T&gt;]</c> on a method of a handler that Tether does not dispatch (a helper or <c>[HandlerIgnore]</c>),
/// where it has no effect.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class AccessAttributeAnalyzer : TetherAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        Descriptors.AnonymousOverridesAuthorize,
        Descriptors.InvalidRateLimit,
        Descriptors.AccessAttributeIgnored);

    private protected override void OnCompilationStart(CompilationStartAnalysisContext context, TetherSymbols symbols) =>
        context.RegisterSymbolAction(symbolContext => AnalyzeType(symbolContext, symbols), SymbolKind.NamedType);

    private static void AnalyzeType(SymbolAnalysisContext context, TetherSymbols symbols)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        bool isHandler = symbols.IsHandler(type);
        bool isService = type.TypeKind == TypeKind.Interface && symbols.Service is { } service && TetherSymbols.FindAttribute(type, service) is not null;
        if (!isHandler && !isService)
        {
            return;
        }

        ReportInvalidRateLimits(context, type);
        bool classAnonymous = Find(type, KnownNames.AllowAnonymousAttribute) is not null;
        foreach (IMethodSymbol method in type.GetMembers().OfType<IMethodSymbol>().Where(static m => m.MethodKind == MethodKind.Ordinary))
        {
            ReportInvalidRateLimits(context, method);
            AttributeData[] access = method.GetAttributes().Where(static a => IsAccess(a)).ToArray();
            if (access.Length == 0)
            {
                continue;
            }

            if (isHandler && !IsDispatched(method, type, symbols))
            {
                foreach (AttributeData attribute in access)
                {
                    Report(context, Descriptors.AccessAttributeIgnored, attribute, method.Name, attribute.AttributeClass!.Name);
                }

                continue;
            }

            if (Find(method, KnownNames.AuthorizeAttribute) is { } authorize
                && (classAnonymous || Find(method, KnownNames.AllowAnonymousAttribute) is not null))
            {
                Report(context, Descriptors.AnonymousOverridesAuthorize, authorize, method.Name, classAnonymous ? "its class" : "the method");
            }
        }
    }

    // A handler's method is dispatched when it is a candidate taking a message (its own contract), or implements a
    // [Service] interface's member.
    private static bool IsDispatched(IMethodSymbol method, INamedTypeSymbol type, TetherSymbols symbols)
    {
        if (HandlerParser.ServiceInterfaces(type) is { Count: 1 } services)
        {
            return services[0].GetMembers().OfType<IMethodSymbol>()
                .Any(declared => TetherSymbols.Same(type.FindImplementationForInterfaceMember(declared), method));
        }

        return HandlerParser.IsCandidate(method) && method.Parameters[0].Type is INamedTypeSymbol first && symbols.IsMessage(first);
    }

    private static void ReportInvalidRateLimits(SymbolAnalysisContext context, ISymbol symbol)
    {
        if (Find(symbol, KnownNames.RateLimitAttribute) is not { } rateLimit)
        {
            return;
        }

        string policy = rateLimit.ConstructorArguments.FirstOrDefault().Value as string ?? "";
        object? weight = ContractParser.ReadNamedArgument(rateLimit, "Weight");
        if (string.IsNullOrWhiteSpace(policy))
        {
            Report(context, Descriptors.InvalidRateLimit, rateLimit, symbol.Name, "it names no policy");
        }
        else if (weight is int w && w < 1)
        {
            Report(context, Descriptors.InvalidRateLimit, rateLimit, symbol.Name, $"its weight is {w}; a call takes at least 1 permit");
        }
    }

    // What the generator reads per dispatched method (AccessParser): access rules and the call filters a method names.
    private static bool IsAccess(AttributeData attribute) =>
        attribute.AttributeClass is { } cls && TypeShapeParser.MetadataName(cls)
            is KnownNames.AuthorizeAttribute or KnownNames.AllowAnonymousAttribute or KnownNames.RateLimitAttribute or KnownNames.CallFilterAttribute;

    private static AttributeData? Find(ISymbol symbol, string metadataName) =>
        symbol.GetAttributes().FirstOrDefault(a => a.AttributeClass is { } cls && TypeShapeParser.MetadataName(cls) == metadataName);

    private static void Report(SymbolAnalysisContext context, DiagnosticDescriptor descriptor, AttributeData attribute, params object[] args)
    {
        Location location = attribute.ApplicationSyntaxReference?.GetSyntax(context.CancellationToken).GetLocation() ?? Location.None;
        context.ReportDiagnostic(Diagnostic.Create(descriptor, location, args));
    }
}
