using Tether.Generators.Shared;

namespace Tether.Generators.Model;

/// <summary>Everything the emitter needs to write one message's codec.</summary>
/// <remarks>Value-equatable (strings, numbers, <see cref="EquatableArray{T}"/>), so the pipeline caches it; holds no symbols.</remarks>
internal sealed record MessageModel(
    string Namespace,
    string HintName,
    TypeDeclaration Type,
    string FullyQualifiedName,
    EquatableArray<TypeDeclaration> ContainingTypes,
    int Id,
    bool IsValueType,
    int ConstructorParameterCount,
    EquatableArray<MemberModel> Members);
