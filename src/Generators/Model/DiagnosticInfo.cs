using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using Tether.Generators.Shared;

namespace Tether.Generators.Model;

/// <summary>A diagnostic the generator reports, kept value-equatable: its location is a path and spans, not a tree.</summary>
internal sealed record DiagnosticInfo(string Id, LocationInfo? Location, EquatableArray<string> Arguments)
{
    public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, Location? location, params string[] arguments) =>
        new(descriptor.Id, LocationInfo.From(location), new EquatableArray<string>(arguments));
}

/// <summary>A source location without a reference to its syntax tree or compilation.</summary>
internal sealed record LocationInfo(string FilePath, TextSpan Span, LinePositionSpan LineSpan)
{
    public static LocationInfo? From(Location? location) =>
        location is null || location.SourceTree is null
            ? null
            : new LocationInfo(location.SourceTree.FilePath, location.SourceSpan, location.GetLineSpan().Span);

    public Location ToLocation() => Location.Create(FilePath, Span, LineSpan);
}

/// <summary>What parsing one attributed type produced: a model, diagnostics, or both.</summary>
internal sealed record ParseResult<TModel>(TModel? Model, EquatableArray<DiagnosticInfo> Diagnostics)
    where TModel : class;
