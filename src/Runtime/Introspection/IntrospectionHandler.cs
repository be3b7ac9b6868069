namespace Tether.Introspection;

/// <summary>Answers <see cref="IIntrospection.Describe"/> from the capability declarations the server hosts, built once.</summary>
[Handler]
internal sealed partial class IntrospectionHandler : IIntrospection
{
    private readonly ServerShape _all;

    public IntrospectionHandler(IReadOnlyList<ServiceDescriptor> services, int protocolVersion)
    {
        _all = new ServerShape(protocolVersion, [.. services.Select(Describe)]);
    }

    public ValueTask<ServerShape> Describe(DescribeRequest request, CancellationToken cancellationToken)
    {
        if (request.Service is null)
        {
            return new(_all);
        }

        ServiceShape? one = _all.Services.FirstOrDefault(s => string.Equals(s.Name, request.Service, StringComparison.Ordinal));
        return one is null
            ? throw new TetherException(TetherErrorCode.NotFound, $"The server has no service named '{request.Service}'.")
            : new(_all with { Services = [one] });
    }

    private static ServiceShape Describe(ServiceDescriptor service) => new(
        service.Name,
        service.Version,
        IntrospectionNames.IsBuiltIn(service.Name),
        [.. service.Methods.Select(static m => new MethodShape(m.Id, m.Name, m.Kind, m.RequestMessageId, m.ResponseMessageId, m.Deprecation, m.Version, m.IsIdempotent))],
        service.Messages,
        service.RemovedMethods);
}
