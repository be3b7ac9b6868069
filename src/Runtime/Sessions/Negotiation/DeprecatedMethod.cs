namespace Tether;

/// <summary>A method the server declares deprecated (<c>[Obsolete]</c> on its contract), as the server hello reports it.</summary>
/// <param name="Service">The service's name.</param>
/// <param name="Method">The method's name.</param>
/// <param name="MethodId">The method's id.</param>
/// <param name="Reason">The <c>[Obsolete]</c> text (empty when it gives none).</param>
public sealed record DeprecatedMethod(string Service, string Method, int MethodId, string Reason)
{
    /// <summary>Every deprecated method of <paramref name="services"/>.</summary>
    public static IReadOnlyList<DeprecatedMethod> Of(IEnumerable<ServiceDescriptor> services)
    {
        ArgumentNullException.ThrowIfNull(services);
        return [.. services.SelectMany(static s => s.Methods.Where(static m => m.Deprecation is not null)
            .Select(m => new DeprecatedMethod(s.Name, m.Name, m.Id, m.Deprecation!)))];
    }
}
