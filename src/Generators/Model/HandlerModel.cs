using Tether.Generators.Shared;

namespace Tether.Generators.Model;

/// <summary>Everything the emitter needs for one handler's dispatch table and capability declaration.</summary>
/// <remarks>Value-equatable; holds no symbols.</remarks>
internal sealed record HandlerModel(
    string Namespace,
    string HintName,
    TypeDeclaration Type,
    string FullyQualifiedName,
    EquatableArray<TypeDeclaration> ContainingTypes,
    string ServiceName,
    int Version,
    EquatableArray<HandlerMethodModel> Methods,
    EquatableArray<MessageShapeModel> Messages);
