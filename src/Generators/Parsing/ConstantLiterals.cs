using System;
using System.Globalization;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Tether.Generators.Parsing;

/// <summary>Writes a constructor parameter's default value (a compile-time constant) as C# the generated codec can use.</summary>
internal static class ConstantLiterals
{
    /// <summary>
    /// The constant as an expression of <paramref name="type"/>, or null when it is <c>default(T)</c> (null for a reference
    /// or nullable type, or <c>= default</c> for a struct), which the decoder gives an absent member anyway.
    /// </summary>
    public static string? Format(object? value, ITypeSymbol type)
    {
        if (value is null)
        {
            return null;
        }

        string literal = value switch
        {
            double d => Floating(d, "global::System.Double", d.ToString("R", CultureInfo.InvariantCulture) + "D"),
            float f => Floating(f, "global::System.Single", f.ToString("R", CultureInfo.InvariantCulture) + "F"),
            decimal m => m.ToString(CultureInfo.InvariantCulture) + "M",
            bool b => b ? "true" : "false",
            string or char => SymbolDisplay.FormatPrimitive(value, quoteStrings: true, useHexadecimalNumbers: false),
            _ => Integer(value),
        };

        // An enum's default arrives as its underlying number, and a literal's own type may differ from the member's
        // (a long parameter defaulting to 5): the cast makes it the member's type.
        string typeName = type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);
        return $"({typeName})({literal})";
    }

    private static string Floating(double value, string typeName, string finite) =>
        double.IsNaN(value) ? typeName + ".NaN"
        : double.IsPositiveInfinity(value) ? typeName + ".PositiveInfinity"
        : double.IsNegativeInfinity(value) ? typeName + ".NegativeInfinity"
        : finite;

    // The integer types box as themselves. A minus before 9223372036854775808 makes it long.MinValue (a rule of C#
    // integer literals), so no value needs a special case.
    private static string Integer(object value) => Convert.ToString(value, CultureInfo.InvariantCulture)!;
}
