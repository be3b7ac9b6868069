using Microsoft.Extensions.Options;

namespace Tether.Internal;

/// <summary>
/// Validates one named instance of <typeparamref name="T"/> by listing its problems: every transport's hosting
/// extension (TLS, QUIC) registers one per options name so a bad setting fails the host at start.
/// </summary>
internal sealed class NamedOptionsValidator<T>(string name, Func<T, IEnumerable<string>> problems) : IValidateOptions<T>
    where T : class
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? optionsName, T options)
    {
        if (optionsName != name)
        {
            return ValidateOptionsResult.Skip;
        }

        List<string> found = problems(options).ToList();
        return found.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(found);
    }
}
