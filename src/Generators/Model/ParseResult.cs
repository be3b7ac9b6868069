using Tether.Generators.Shared;

namespace Tether.Generators.Model;

/// <summary>What parsing one attributed type produced: a model, diagnostics, or both.</summary>
internal sealed record ParseResult<TModel>(TModel? Model, EquatableArray<DiagnosticInfo> Diagnostics)
    where TModel : class;
