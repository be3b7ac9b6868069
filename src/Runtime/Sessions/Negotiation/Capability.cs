namespace Tether;

/// <summary>A service at a version, as one side declares it (from a handler's generated <see cref="ServiceDescriptor"/>).</summary>
/// <param name="Name">The service name.</param>
/// <param name="Version">The service version.</param>
public sealed record Capability(string Name, int Version)
{
    /// <summary>The capability a generated handler declares.</summary>
    public static Capability Of<THandler>()
        where THandler : class, IMessageHandler<THandler>
        => new(THandler.Service.Name, THandler.Service.Version);

    /// <inheritdoc />
    public override string ToString() => $"{Name} v{Version}";
}

/// <summary>A capability one side asks the other for.</summary>
/// <param name="Name">The service name.</param>
/// <param name="MinimumVersion">The lowest version that will do.</param>
/// <param name="Required">Whether the session must be refused (<see cref="TetherErrorCode.MissingCapability"/>) without it; an optional one is simply left out of the contract.</param>
public sealed record CapabilityRequest(string Name, int MinimumVersion, bool Required)
{
    /// <summary>A request for the service a generated handler declares, at its version or later.</summary>
    public static CapabilityRequest For<THandler>(bool required = true)
        where THandler : class, IMessageHandler<THandler>
        => new(THandler.Service.Name, THandler.Service.Version, required);

    /// <summary>Whether <paramref name="offered"/> satisfies this request.</summary>
    public bool IsSatisfiedBy(Capability offered) =>
        string.Equals(offered.Name, Name, StringComparison.Ordinal) && offered.Version >= MinimumVersion;

    /// <inheritdoc />
    public override string ToString() => $"{Name} v{MinimumVersion}+{(Required ? "" : " (optional)")}";
}
