using Microsoft.CodeAnalysis;
using Tether.Generators.Shared;

namespace Tether.Generators.Model;

/// <summary>A problem a parser found, kept value-equatable: its location is a path and spans, not a tree.</summary>
/// <param name="Id">One of <see cref="DiagnosticIds"/>.</param>
/// <param name="Location">Where, or null when the code has no source location.</param>
/// <param name="Arguments">The message arguments of the rule.</param>
internal sealed record DiagnosticInfo(string Id, LocationInfo? Location, EquatableArray<string> Arguments)
{
    public static DiagnosticInfo Create(string id, Location? location, params string[] arguments) =>
        new(id, LocationInfo.From(location), new EquatableArray<string>(arguments));
}
