namespace Tether.Generators.Model;

/// <summary>Everything the emitter needs for one handler's dispatch table and capability declaration.</summary>
/// <remarks>Value-equatable; holds no symbols.</remarks>
/// <param name="Access">Each method's access rules (by method id), empty when no method declares any.</param>
/// <param name="ContractInterface">The <c>[Service]</c> interface the handler implements (fully qualified), or empty when the handler is its own contract (and gets a nested client).</param>
internal sealed record HandlerModel(
    string Namespace,
    string HintName,
    TypeDeclaration Type,
    string FullyQualifiedName,
    Shared.EquatableArray<TypeDeclaration> ContainingTypes,
    ContractModel Contract,
    string ContractInterface,
    Shared.EquatableArray<MethodAccessModel> Access = default);
