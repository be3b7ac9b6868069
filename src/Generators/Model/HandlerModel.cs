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

/// <summary>How a handler method's result is produced.</summary>
internal enum ReturnKind
{
    Void,
    ValueTask,
    Task,
    ValueTaskOfT,
    TaskOfT,
    AsyncEnumerable,
}

/// <summary>One dispatchable handler method.</summary>
/// <param name="Name">Method name.</param>
/// <param name="RequestType">Fully qualified request message type.</param>
/// <param name="RequestId">Request message id.</param>
/// <param name="Arguments">Argument expressions after the message, in order (context and/or token).</param>
/// <param name="Return">Return kind.</param>
/// <param name="ResponseType">Fully qualified reply (or stream item) type, or empty.</param>
/// <param name="ResponseId">Reply message id, or 0.</param>
internal sealed record HandlerMethodModel(
    string Name,
    string RequestType,
    int RequestId,
    EquatableArray<string> Arguments,
    ReturnKind Return,
    string ResponseType,
    int ResponseId);

/// <summary>The shape of one message in a capability declaration.</summary>
internal sealed record MessageShapeModel(int Id, string TypeName, EquatableArray<MemberShapeModel> Members);

/// <summary>One member in a capability declaration.</summary>
internal sealed record MemberShapeModel(string Name, string WireType);
