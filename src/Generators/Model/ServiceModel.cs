namespace Tether.Generators.Model;

/// <summary>Everything the emitter needs for one <c>[Service]</c> interface's client and capability declaration.</summary>
/// <remarks>Value-equatable; holds no symbols.</remarks>
internal sealed record ServiceModel(
    string Namespace,
    string HintName,
    TypeDeclaration Type,
    string FullyQualifiedName,
    Shared.EquatableArray<TypeDeclaration> ContainingTypes,
    ContractModel Contract);
