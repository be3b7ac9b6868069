using Tether.Generators.Shared;

namespace Tether.Generators.Model;

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
