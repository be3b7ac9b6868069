using Microsoft.CodeAnalysis;

namespace Tether.Analyzers.Support;

/// <summary>The Tether types the rules look for, resolved once per compilation (null when Tether is not referenced).</summary>
internal sealed class TetherSymbols
{
    private TetherSymbols(Compilation compilation, INamedTypeSymbol message, INamedTypeSymbol handler)
    {
        Message = message;
        Handler = handler;
        CallContext = compilation.GetTypeByMetadataName("Tether.CallContext");
        Peer = compilation.GetTypeByMetadataName("Tether.TetherPeer");
        Server = compilation.GetTypeByMetadataName("Tether.TetherServer");
        Tasks = new TaskTypes(compilation);
        CancellationToken = compilation.GetTypeByMetadataName("System.Threading.CancellationToken");
        Service = compilation.GetTypeByMetadataName("Tether.ServiceAttribute");
    }

    public INamedTypeSymbol Message { get; }

    public INamedTypeSymbol Handler { get; }

    public INamedTypeSymbol? CallContext { get; }

    /// <summary><c>[Service]</c>; null when the referenced Tether predates service interfaces.</summary>
    public INamedTypeSymbol? Service { get; }

    public INamedTypeSymbol? Peer { get; }

    public INamedTypeSymbol? Server { get; }

    public TaskTypes Tasks { get; }

    public INamedTypeSymbol? CancellationToken { get; }

    public static TetherSymbols? From(Compilation compilation) =>
        compilation.GetTypeByMetadataName("Tether.MessageAttribute") is { } message
        && compilation.GetTypeByMetadataName("Tether.HandlerAttribute") is { } handler
            ? new TetherSymbols(compilation, message, handler)
            : null;

    /// <summary>The <c>[Message]</c> or <c>[Handler]</c> attribute on a type, or null.</summary>
    public static AttributeData? FindAttribute(ISymbol symbol, INamedTypeSymbol attribute)
    {
        foreach (AttributeData data in symbol.GetAttributes())
        {
            if (SymbolEqualityComparer.Default.Equals(data.AttributeClass, attribute))
            {
                return data;
            }
        }

        return null;
    }

    public bool IsMessage(ITypeSymbol type) => FindAttribute(type, Message) is not null;

    public bool IsHandler(INamedTypeSymbol type) => FindAttribute(type, Handler) is not null;

    public static bool Same(ISymbol? a, ISymbol? b) => SymbolEqualityComparer.Default.Equals(a, b);
}
