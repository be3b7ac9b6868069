using Tether.Generators.Model;
using Tether.Generators.Shared;

namespace Tether.Generators.Emitting;

/// <summary>
/// Emits what a <c>[Service]</c> interface gives both sides, in the contracts assembly: its capability declaration
/// (<c>IOrders.Descriptor</c>) and its typed client (<c>IOrders.Client</c>). The dispatch table is emitted with each handler
/// that implements the interface.
/// </summary>
internal static class ServiceEmitter
{
    public static string Emit(ServiceModel model)
    {
        var w = new SourceWriter();
        SourceFile.Open(w, model.Namespace, model.ContainingTypes);
        w.Open($"partial {model.Type.Keyword} {model.Type.Name}");

        w.Line($"/// <summary>The capability declaration of the <c>{model.Contract.ServiceName}</c> service: its methods, their ids and the shapes of their messages.</summary>");
        w.Line(KnownNames.GeneratedCode);
        CapabilityEmitter.Emit(w, $"public static {KnownNames.ServiceDescriptor} Descriptor {{ get; }}", model.Contract);
        w.Line();
        ClientEmitter.Emit(w, model.Type.Name, model.Contract, "Descriptor");

        w.Close();
        SourceFile.Close(w, model.Namespace, model.ContainingTypes);
        return w.ToString();
    }
}
