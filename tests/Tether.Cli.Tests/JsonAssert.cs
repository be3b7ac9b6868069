using System.Globalization;
using System.Text.Json;

namespace Tether.Cli.Tests;

/// <summary>Compares JSON by meaning: members in any order, numbers by value (<c>1.5e300</c> = <c>1.5E+300</c>).</summary>
public static class JsonAssert
{
    public static void Equivalent(string expected, string actual)
    {
        using JsonDocument e = JsonDocument.Parse(expected);
        using JsonDocument a = JsonDocument.Parse(actual);
        Compare(e.RootElement, a.RootElement, "$");
    }

    private static void Compare(JsonElement expected, JsonElement actual, string path)
    {
        Assert.True(expected.ValueKind == actual.ValueKind, $"{path}: expected {expected.ValueKind}, got {actual.ValueKind} ({actual.GetRawText()})");
        switch (expected.ValueKind)
        {
            case JsonValueKind.Object:
                Assert.Equal(expected.EnumerateObject().Select(static p => p.Name).Order(), actual.EnumerateObject().Select(static p => p.Name).Order());
                foreach (JsonProperty property in expected.EnumerateObject())
                {
                    Compare(property.Value, actual.GetProperty(property.Name), $"{path}.{property.Name}");
                }

                break;
            case JsonValueKind.Array:
                Assert.Equal(expected.GetArrayLength(), actual.GetArrayLength());
                int i = 0;
                foreach ((JsonElement x, JsonElement y) in expected.EnumerateArray().Zip(actual.EnumerateArray()))
                {
                    Compare(x, y, $"{path}[{i++}]");
                }

                break;
            case JsonValueKind.Number:
                bool same = decimal.TryParse(expected.GetRawText(), NumberStyles.Float, CultureInfo.InvariantCulture, out decimal d1)
                    && decimal.TryParse(actual.GetRawText(), NumberStyles.Float, CultureInfo.InvariantCulture, out decimal d2)
                        ? d1 == d2
                        : expected.GetDouble() == actual.GetDouble();
                Assert.True(same, $"{path}: expected {expected.GetRawText()}, got {actual.GetRawText()}");
                break;
            default:
                Assert.Equal(expected.GetRawText(), actual.GetRawText());
                break;
        }
    }
}
