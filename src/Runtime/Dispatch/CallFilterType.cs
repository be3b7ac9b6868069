using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.DependencyInjection;

namespace Tether;

/// <summary>
/// A call filter a method names with <see cref="CallFilterAttribute{TFilter}"/>: its type, and how a server makes it.
/// Generated capability declarations list these in <see cref="MethodDescriptor.Filters"/>.
/// </summary>
public sealed class CallFilterType
{
    private readonly Func<IServiceProvider?, ICallFilter> _create;

    private CallFilterType(Type type, Func<IServiceProvider?, ICallFilter> create)
    {
        Type = type;
        _create = create;
    }

    /// <summary>The filter's type.</summary>
    public Type Type { get; }

    /// <summary>The filter <typeparamref name="TFilter"/>.</summary>
    /// <typeparam name="TFilter">The filter.</typeparam>
    public static CallFilterType Of<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TFilter>()
        where TFilter : class, ICallFilter =>
        new(typeof(TFilter), static services => services is null
            ? Activator.CreateInstance<TFilter>()
            : ActivatorUtilities.GetServiceOrCreateInstance<TFilter>(services));

    /// <summary>Makes the filter: from <paramref name="services"/> when given (registered, or constructed with its dependencies), else with its parameterless constructor.</summary>
    internal ICallFilter Create(IServiceProvider? services)
    {
        try
        {
            return _create(services);
        }
        catch (Exception e) when (e is MissingMethodException or InvalidOperationException)
        {
            throw new InvalidOperationException(
                $"Cannot make the call filter {Type.FullName}: " + (services is null
                    ? "it needs a public parameterless constructor when the server is not built with dependency injection."
                    : e.Message), e);
        }
    }

    /// <inheritdoc/>
    public override string ToString() => Type.FullName ?? Type.Name;
}
