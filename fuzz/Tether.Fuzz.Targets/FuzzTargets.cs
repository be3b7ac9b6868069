namespace Tether.Fuzz;

/// <summary>Every fuzz target, by name.</summary>
public static class FuzzTargets
{
    /// <summary>New instances of every target (the server and client targets own a server or listener: dispose them).</summary>
    public static FuzzTarget[] Create() => [new FrameTarget(), new HelloTarget(), new CallHeadersTarget(), new CodecTarget(), new SchemaTarget(), new ServerTarget(), new ClientTarget(), new ClientStreamsTarget()];

    /// <summary>The names, for usage messages.</summary>
    public static IEnumerable<string> Names => Create().Select(static t => t.Name);

    /// <summary>The target called <paramref name="name"/>, or null.</summary>
    public static FuzzTarget? Find(string name) => Create().FirstOrDefault(t => t.Name == name);
}
