using System.ComponentModel.DataAnnotations;

namespace Tether.Internal;

/// <summary>Checks the data annotations cannot express without reflection (time spans).</summary>
internal static class OptionChecks
{
    public static IEnumerable<ValidationResult> Positive(TimeSpan value, string name)
    {
        if (value <= TimeSpan.Zero || value > TimeSpan.FromDays(1))
        {
            yield return new ValidationResult($"{name} must be greater than zero and at most one day (was {value}).", [name]);
        }
    }

    public static IEnumerable<ValidationResult> NotNegative(TimeSpan value, string name)
    {
        if (value < TimeSpan.Zero || value > TimeSpan.FromDays(1))
        {
            yield return new ValidationResult($"{name} must be between zero and one day (was {value}).", [name]);
        }
    }

    public static IEnumerable<ValidationResult> PositiveOrInfinite(TimeSpan value, string name)
    {
        if (value != Timeout.InfiniteTimeSpan && value <= TimeSpan.Zero)
        {
            yield return new ValidationResult($"{name} must be greater than zero or Timeout.InfiniteTimeSpan (was {value}).", [name]);
        }
    }
}
