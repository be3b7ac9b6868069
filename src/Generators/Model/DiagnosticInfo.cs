using Microsoft.CodeAnalysis;
using Tether.Generators.Shared;

namespace Tether.Generators.Model;

/// <summary>A diagnostic the generator reports, kept value-equatable: its location is a path and spans, not a tree.</summary>
internal sealed record DiagnosticInfo(string Id, LocationInfo? Location, EquatableArray<string> Arguments)
{
    public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, Location? location, params string[] arguments) =>
        new(descriptor.Id, LocationInfo.From(location), new EquatableArray<string>(arguments));
}
