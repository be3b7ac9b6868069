using System.Threading;
using Microsoft.CodeAnalysis;
using Tether.Generators.Model;
using Tether.Generators.Shared;

namespace Tether.Generators.Parsing;

/// <summary>Turns a member's <see cref="ITypeSymbol"/> into a <see cref="TypeShape"/>, or null when unsupported.</summary>
internal static class TypeShapeParser
{
    private static readonly SymbolDisplayFormat s_typeFormat = SymbolDisplayFormat.FullyQualifiedFormat
        .WithMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.UseSpecialTypes | SymbolDisplayMiscellaneousOptions.EscapeKeywordIdentifiers);

    public static string TypeName(ITypeSymbol type) =>
        type.WithNullableAnnotation(NullableAnnotation.NotAnnotated).ToDisplayString(s_typeFormat);

    public static TypeShape? Parse(ITypeSymbol type, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        string name = TypeName(type);
        switch (type.SpecialType)
        {
            case SpecialType.System_Boolean: return new(ShapeKind.Boolean, name);
            case SpecialType.System_Byte: return new(ShapeKind.Byte, name);
            case SpecialType.System_SByte: return new(ShapeKind.SByte, name);
            case SpecialType.System_Int16: return new(ShapeKind.Int16, name);
            case SpecialType.System_UInt16: return new(ShapeKind.UInt16, name);
            case SpecialType.System_Int32: return new(ShapeKind.Int32, name);
            case SpecialType.System_UInt32: return new(ShapeKind.UInt32, name);
            case SpecialType.System_Int64: return new(ShapeKind.Int64, name);
            case SpecialType.System_UInt64: return new(ShapeKind.UInt64, name);
            case SpecialType.System_IntPtr: return new(ShapeKind.NInt, name);
            case SpecialType.System_UIntPtr: return new(ShapeKind.NUInt, name);
            case SpecialType.System_Char: return new(ShapeKind.Char, name);
            case SpecialType.System_Single: return new(ShapeKind.Single, name);
            case SpecialType.System_Double: return new(ShapeKind.Double, name);
            case SpecialType.System_Decimal: return new(ShapeKind.Decimal, name);
            case SpecialType.System_DateTime: return new(ShapeKind.DateTime, name);
            case SpecialType.System_String: return new(ShapeKind.String, name, IsReferenceType: true);
        }

        if (type.TypeKind == TypeKind.Enum && type is INamedTypeSymbol { EnumUnderlyingType: { } underlying })
        {
            TypeShape? inner = Parse(underlying, cancellationToken);
            return inner is null ? null : new(ShapeKind.Enum, name, Element: inner);
        }

        if (type is IArrayTypeSymbol array)
        {
            if (!array.IsSZArray)
            {
                return null;
            }

            if (array.ElementType.SpecialType == SpecialType.System_Byte)
            {
                return new(ShapeKind.ByteArray, name, IsReferenceType: true);
            }

            TypeShape? element = Parse(array.ElementType, cancellationToken);
            return element is null ? null : new(ShapeKind.Array, name, Element: element, IsReferenceType: true);
        }

        if (type is not INamedTypeSymbol named)
        {
            return null;
        }

        if (TryGetMessageId(named, out int messageId))
        {
            return named.IsGenericType ? null : new(ShapeKind.Message, name, MessageId: messageId, IsReferenceType: !named.IsValueType);
        }

        string definition = MetadataName(named.OriginalDefinition);
        switch (definition)
        {
            case "System.Guid": return new(ShapeKind.Guid, name);
            case "System.DateTimeOffset": return new(ShapeKind.DateTimeOffset, name);
            case "System.TimeSpan": return new(ShapeKind.TimeSpan, name);
            case "System.Half": return new(ShapeKind.Half, name);
            case "System.Int128": return new(ShapeKind.Int128, name);
            case "System.UInt128": return new(ShapeKind.UInt128, name);
            case "System.Nullable`1": return Wrap(ShapeKind.Nullable, named.TypeArguments[0], isReference: false);
            case "System.Collections.Generic.List`1": return Wrap(ShapeKind.List, named.TypeArguments[0], isReference: true);
            case "System.Collections.Generic.IReadOnlyList`1": return Wrap(ShapeKind.ReadOnlyList, named.TypeArguments[0], isReference: true);
            case "System.ReadOnlyMemory`1":
                return named.TypeArguments[0].SpecialType == SpecialType.System_Byte ? new(ShapeKind.ByteMemory, name) : null;
            case "System.Collections.Generic.Dictionary`2":
                TypeShape? key = Parse(named.TypeArguments[0], cancellationToken);
                TypeShape? value = Parse(named.TypeArguments[1], cancellationToken);
                return key is null || value is null || key.Kind == ShapeKind.Nullable
                    ? null
                    : new(ShapeKind.Dictionary, name, Element: value, Key: key, IsReferenceType: true);
        }

        return null;

        TypeShape? Wrap(ShapeKind kind, ITypeSymbol argument, bool isReference)
        {
            TypeShape? inner = Parse(argument, cancellationToken);
            return inner is null ? null : new(kind, name, Element: inner, IsReferenceType: isReference);
        }
    }

    /// <summary>
    /// The message a method's first parameter carries: a <c>[Message]</c> type, or the items of an
    /// <c>IAsyncEnumerable&lt;T&gt;</c> of one (a request stream: client-streaming or bidirectional).
    /// </summary>
    public static bool TryGetRequest(ITypeSymbol parameter, out INamedTypeSymbol? request, out int id, out bool stream)
    {
        stream = parameter is INamedTypeSymbol { IsGenericType: true } generic
            && MetadataName(generic.OriginalDefinition) == "System.Collections.Generic.IAsyncEnumerable`1";
        ITypeSymbol candidate = stream ? ((INamedTypeSymbol)parameter).TypeArguments[0] : parameter;
        request = candidate as INamedTypeSymbol;
        id = 0;
        return request is not null && TryGetMessageId(request, out id);
    }

    public static bool TryGetMessageId(ITypeSymbol type, out int id)
    {
        foreach (AttributeData attribute in type.GetAttributes())
        {
            if (attribute.AttributeClass is { } cls && MetadataName(cls) == KnownNames.MessageAttribute
                && attribute.ConstructorArguments.Length == 1 && attribute.ConstructorArguments[0].Value is int value)
            {
                id = value;
                return true;
            }
        }

        id = 0;
        return false;
    }

    public static string MetadataName(ISymbol symbol)
    {
        string ns = symbol.ContainingNamespace is { IsGlobalNamespace: false } containing ? containing.ToDisplayString() + "." : string.Empty;
        string outer = symbol.ContainingType is { } type ? MetadataName(type).Substring(ns.Length) + "+" : string.Empty;
        return ns + outer + symbol.MetadataName;
    }

    /// <summary>The schema notation of <c>docs/wire-format.md</c>, used in capability declarations.</summary>
    public static string WireType(TypeShape shape) => shape.Kind switch
    {
        ShapeKind.Boolean => "bool",
        ShapeKind.Byte => "uint8",
        ShapeKind.SByte => "int8",
        ShapeKind.Int16 => "int16",
        ShapeKind.UInt16 => "uint16",
        ShapeKind.Int32 => "int32",
        ShapeKind.UInt32 => "uint32",
        ShapeKind.Int64 or ShapeKind.NInt => "int64",
        ShapeKind.UInt64 or ShapeKind.NUInt => "uint64",
        ShapeKind.Char => "char",
        ShapeKind.Single => "float32",
        ShapeKind.Double => "float64",
        ShapeKind.Half => "float16",
        ShapeKind.Decimal => "decimal",
        ShapeKind.Int128 => "int128",
        ShapeKind.UInt128 => "uint128",
        ShapeKind.Guid => "guid",
        ShapeKind.DateTime => "datetime",
        ShapeKind.DateTimeOffset => "datetimeoffset",
        ShapeKind.TimeSpan => "timespan",
        ShapeKind.String => "string",
        ShapeKind.ByteArray or ShapeKind.ByteMemory => "bytes",
        ShapeKind.Enum => "enum<" + WireType(shape.Element!) + ">",
        ShapeKind.Nullable => "optional<" + WireType(shape.Element!) + ">",
        ShapeKind.Array or ShapeKind.List or ShapeKind.ReadOnlyList => "list<" + WireType(shape.Element!) + ">",
        ShapeKind.Dictionary => "map<" + WireType(shape.Key!) + "," + WireType(shape.Element!) + ">",
        ShapeKind.Message => "message:" + shape.MessageId,
        _ => "unknown",
    };
}
