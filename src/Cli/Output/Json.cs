using System.Text.Encodings.Web;
using System.Text.Json;

namespace Tether.Cli.Output;

/// <summary>Writes JSON documents to the console.</summary>
internal static class Json
{
    public static readonly JsonWriterOptions Indented = new() { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static readonly JsonWriterOptions Compact = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Writes one JSON document made by <paramref name="write"/>, then a new line.</summary>
    public static void Write(TextWriter output, Action<Utf8JsonWriter> write, bool indented = true)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, indented ? Indented : Compact))
        {
            write(writer);
        }

        output.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length));
    }

    /// <summary>Writes <paramref name="values"/> as an array property.</summary>
    public static void WriteStrings(Utf8JsonWriter writer, string name, IEnumerable<string> values)
    {
        writer.WriteStartArray(name);
        foreach (string value in values)
        {
            writer.WriteStringValue(value);
        }

        writer.WriteEndArray();
    }
}
