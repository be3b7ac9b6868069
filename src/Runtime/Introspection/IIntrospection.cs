namespace Tether.Introspection;

/// <summary>
/// The built-in introspection service (<c>tether.Introspection</c>): what a server offers — its services, their methods
/// (kind, ids, deprecation) and the full shapes of their messages — so a tool can call a method it was never compiled
/// against (<see cref="Schema.SchemaJson"/> turns JSON into the wire format from these shapes). On by default;
/// <see cref="TetherServerOptions.EnableIntrospection"/> switches it off. Its method has no <c>[Authorize]</c>, so the
/// server's fallback authorization policy applies to it as to any other method without one.
/// </summary>
[Service(Name = IntrospectionNames.Service)]
public partial interface IIntrospection
{
    /// <summary>Describes the server's services (or the one <see cref="DescribeRequest.Service"/> names).</summary>
    ValueTask<ServerShape> Describe(DescribeRequest request, CancellationToken cancellationToken);
}

/// <summary>Names of the built-in services.</summary>
public static class IntrospectionNames
{
    /// <summary>The introspection service's name.</summary>
    public const string Service = "tether.Introspection";

    /// <summary>The session administration service's name.</summary>
    public const string SessionAdmin = "tether.Sessions";

    /// <summary>The role a principal needs to call the administration services (<c>tether.Sessions</c>, <c>tether.ApiKeys</c>).</summary>
    public const string AdminRole = "tether.admin";

    /// <summary>
    /// Whether <paramref name="serviceName"/> is one of Tether's built-in services: names starting with <c>tether.</c> are
    /// reserved for them. Their methods are reached by method id only, never by message type.
    /// </summary>
    public static bool IsBuiltIn(string serviceName) => serviceName?.StartsWith("tether.", StringComparison.Ordinal) == true;
}
