using System.Collections;
using System.Reflection;

namespace Tether.Runtime.Tests.Support;

/// <summary>Structural equality for decoded messages: members of messages, elements of collections, entries of dictionaries.</summary>
public static class DeepEqual
{
    public static void AssertEqual(object? expected, object? actual, string path = "value")
    {
        if (expected is null || actual is null)
        {
            // The codec keeps null and empty distinct for strings, arrays and collections.
            Assert.True(expected is null && actual is null, $"{path}: expected {Show(expected)}, got {Show(actual)}");
            return;
        }

        Type type = expected.GetType();
        if (expected is ReadOnlyMemory<byte> memory)
        {
            Assert.Equal(memory.ToArray(), ((ReadOnlyMemory<byte>)actual).ToArray());
            return;
        }

        if (expected is IDictionary dictionary)
        {
            var other = (IDictionary)actual;
            Assert.True(dictionary.Count == other.Count, $"{path}: {dictionary.Count} entries, got {other.Count}");
            foreach (DictionaryEntry entry in dictionary)
            {
                Assert.True(other.Contains(entry.Key), $"{path}: missing key {entry.Key}");
                AssertEqual(entry.Value, other[entry.Key], $"{path}[{entry.Key}]");
            }

            return;
        }

        if (expected is IEnumerable sequence and not string)
        {
            object?[] left = sequence.Cast<object?>().ToArray();
            object?[] right = ((IEnumerable)actual).Cast<object?>().ToArray();
            Assert.True(left.Length == right.Length, $"{path}: {left.Length} elements, got {right.Length}");
            for (int i = 0; i < left.Length; i++)
            {
                AssertEqual(left[i], right[i], $"{path}[{i}]");
            }

            return;
        }

        if (type.GetCustomAttribute<MessageAttribute>() is not null)
        {
            foreach (PropertyInfo property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
            {
                if (property.GetIndexParameters().Length == 0 && property.GetCustomAttribute<MessageIgnoreAttribute>() is null)
                {
                    AssertEqual(property.GetValue(expected), property.GetValue(actual), $"{path}.{property.Name}");
                }
            }

            foreach (FieldInfo field in type.GetFields(BindingFlags.Public | BindingFlags.Instance))
            {
                AssertEqual(field.GetValue(expected), field.GetValue(actual), $"{path}.{field.Name}");
            }

            return;
        }

        Assert.True(expected.Equals(actual), $"{path}: expected {Show(expected)}, got {Show(actual)}");
        if (expected is DateTime dt)
        {
            Assert.Equal(dt.Kind, ((DateTime)actual).Kind);
        }

        if (expected is DateTimeOffset dto)
        {
            Assert.Equal(dto.Offset, ((DateTimeOffset)actual).Offset);
        }
    }

    private static string Show(object? value) => value is null ? "null" : $"{value} ({value.GetType().Name})";
}
