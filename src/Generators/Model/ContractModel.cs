using Tether.Generators.Shared;

namespace Tether.Generators.Model;

/// <summary>What a service offers: its name, version, methods and the shapes of every message they use, and the methods it no longer has.</summary>
/// <remarks>Value-equatable; holds no symbols.</remarks>
internal sealed record ContractModel(
    string ServiceName,
    int Version,
    EquatableArray<HandlerMethodModel> Methods,
    EquatableArray<MessageShapeModel> Messages,
    EquatableArray<RemovedMethodModel> Removed = default);
