using System.Net;

namespace Tether.Transport.InMemory;

/// <summary>The address of an <see cref="InMemoryTransport"/> listener: a name.</summary>
/// <param name="name">Any name unique within the transport instance.</param>
public sealed class InMemoryEndPoint(string name) : EndPoint
{
    /// <summary>The listener's name.</summary>
    public string Name { get; } = name ?? throw new ArgumentNullException(nameof(name));

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is InMemoryEndPoint other && other.Name == Name;

    /// <inheritdoc />
    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Name);

    /// <inheritdoc />
    public override string ToString() => "inmemory:" + Name;
}
