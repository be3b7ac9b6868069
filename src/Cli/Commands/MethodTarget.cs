using Tether.Cli.Output;
using Tether.Introspection;
using Tether.Schema;

namespace Tether.Cli.Commands;

/// <summary>A method named on the command line (<c>Service/Method</c>), found through the server's introspection, with the codec for its messages.</summary>
internal sealed record MethodTarget(ServiceShape Service, MethodShape Shape, MethodDescriptor Method, SchemaJson Schema)
{
    public static async Task<ServerShape> DescribeAsync(TetherClient client, CancellationToken cancellationToken)
    {
        try
        {
            return await new IIntrospection.Client(client).Describe(new DescribeRequest(null), cancellationToken).ConfigureAwait(false);
        }
        catch (TetherException e) when (e.Code == TetherErrorCode.UnknownMethod)
        {
            throw new TetherException(TetherErrorCode.UnknownMethod,
                $"The server does not host introspection ({IntrospectionNames.Service}; TetherServerOptions.EnableIntrospection), so its methods cannot be called by name.", e);
        }
    }

    public static async Task<MethodTarget> ResolveAsync(TetherClient client, string name, CancellationToken cancellationToken)
    {
        int slash = name.LastIndexOf('/');
        if (slash <= 0 || slash == name.Length - 1)
        {
            throw new UsageException($"'{name}' does not name a method: use SERVICE/METHOD, e.g. Echo/Echo (tether inspect lists them).");
        }

        string serviceName = name[..slash];
        string methodName = name[(slash + 1)..];
        ServerShape server = await DescribeAsync(client, cancellationToken).ConfigureAwait(false);
        ServiceShape service = Find(server.Services, s => s.Name, serviceName)
            ?? throw new UsageException($"The server has no service '{serviceName}'; it has {List(server.Services.Where(static s => !s.BuiltIn).Select(static s => s.Name))}.");
        MethodShape method = Find(service.Methods, m => m.Name, methodName)
            ?? throw new UsageException(Find(service.RemovedMethods ?? [], r => r.Name, methodName) is { } removed
                ? $"{service.Name}/{removed.Name} was removed from the service{(removed.Reason.Length > 0 ? ": " + removed.Reason : ".")}"
                : $"Service '{service.Name}' has no method '{methodName}'; it has {List(service.Methods.Select(static m => m.Name))}.");
        // Attached to its service, so the call is named Service/Method in the client's metrics and traces.
        MethodDescriptor descriptor = new ServiceDescriptor(service.Name, service.Version,
            [new MethodDescriptor(method.Id, method.Name, method.Kind, method.RequestMessageId, method.ResponseMessageId) { IsIdempotent = method.Idempotent }], service.Messages).Methods[0];
        return new MethodTarget(service, method, descriptor, new SchemaJson(service.Messages));
    }

    /// <summary>Encodes the request JSON; JSON that does not fit the request's shape is a usage error (nothing is sent).</summary>
    public byte[] EncodeRequest(string json)
    {
        try
        {
            return Schema.Encode(Method.RequestMessageId, json);
        }
        catch (TetherException e) when (e.Code == TetherErrorCode.InvalidArgument)
        {
            throw new UsageException($"The request does not fit {Service.Name}/{Shape.Name}: {e.Message}");
        }
    }

    /// <summary>The warning a call to a deprecated method prints (to standard error), or null.</summary>
    public string? DeprecationWarning => Shape.Deprecation is { } reason
        ? $"warning: {Service.Name}/{Shape.Name} is deprecated{(reason.Length > 0 ? ": " + reason : ".")}"
        : null;

    // Exact first, then ignoring case: what people type.
    private static T? Find<T>(IEnumerable<T> items, Func<T, string> name, string wanted)
        where T : class
        => items.FirstOrDefault(i => string.Equals(name(i), wanted, StringComparison.Ordinal))
           ?? items.FirstOrDefault(i => string.Equals(name(i), wanted, StringComparison.OrdinalIgnoreCase));

    private static string List(IEnumerable<string> names)
    {
        string[] all = [.. names];
        return all.Length == 0 ? "none" : string.Join(", ", all);
    }
}
