using Tether.Generators.Shared;

namespace Tether.Generators.Model;

/// <summary>One method of a service contract (a <c>[Service]</c> interface, or a <c>[Handler]</c> class that is its own contract).</summary>
/// <param name="Name">Method name.</param>
/// <param name="MethodId">The method's wire id: explicit (<c>[Method(Id = n)]</c>) or derived from the service and method names.</param>
/// <param name="RequestType">Fully qualified request message type.</param>
/// <param name="RequestId">Request message id.</param>
/// <param name="Arguments">Argument expressions after the message, in order (context and/or token).</param>
/// <param name="Return">Return kind.</param>
/// <param name="OneWay">Sent without a reply: returns void, or is marked <c>[OneWay]</c> and returns ValueTask or Task.</param>
/// <param name="ResponseType">Fully qualified reply (or stream item) type, or empty.</param>
/// <param name="ResponseId">Reply message id, or 0.</param>
/// <param name="Deprecation">The text of the method's <c>[Obsolete]</c> (empty when it gives none), or null.</param>
/// <param name="Version">The method's version (<c>[Method(Version = n)]</c>; 1 when not given).</param>
/// <param name="Idempotent">Marked <c>[Method(Idempotent = true)]</c>: calls may be retried, each with an idempotency key.</param>
/// <param name="InputStream">Takes an <c>IAsyncEnumerable&lt;T&gt;</c> of its request message: client-streaming, or bidirectional when it also returns one.</param>
internal sealed record HandlerMethodModel(
    string Name,
    int MethodId,
    string RequestType,
    int RequestId,
    EquatableArray<string> Arguments,
    ReturnKind Return,
    bool OneWay,
    string ResponseType,
    int ResponseId,
    string? Deprecation = null,
    int Version = 1,
    bool Idempotent = false,
    bool InputStream = false);
