namespace Tether;

/// <summary>
/// A handler's capability declaration, generated as static data: the service, its version, its
/// methods and the shapes of every message they use. Sent during negotiation and used for
/// introspection by generic clients.
/// </summary>
/// <param name="Name">Service name.</param>
/// <param name="Version">Service version.</param>
/// <param name="Methods">Methods, ordered by method id.</param>
/// <param name="Messages">Every message the methods take or return, ordered by id.</param>
public sealed record ServiceDescriptor(
    string Name,
    int Version,
    IReadOnlyList<MethodDescriptor> Methods,
    IReadOnlyList<MessageShape> Messages)
{
    /// <summary>Methods, ordered by method id; each knows its service (<see cref="MethodDescriptor.ServiceName"/>).</summary>
    public IReadOnlyList<MethodDescriptor> Methods { get; init; } = MethodDescriptor.AttachAll(Name, Methods);

    /// <summary>Methods the service no longer has (<see cref="RemovedMethodAttribute"/>): a call to one is answered with <see cref="TetherErrorCode.MethodRemoved"/>.</summary>
    public IReadOnlyList<RemovedMethod> RemovedMethods { get; init; } = [];

    /// <summary>The method with wire id <paramref name="id"/>, or null.</summary>
    public MethodDescriptor? FindMethod(int id)
    {
        foreach (MethodDescriptor method in Methods)
        {
            if (method.Id == id)
            {
                return method;
            }
        }

        return null;
    }
}
