using System;
using System.Collections.Generic;
using System.Globalization;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;

namespace Tether.Analyzers.Messages;

/// <summary>
/// <c>TetherMessages.Shipped.txt</c>: the wire shapes already deployed, one message per line, which the
/// user adds as an AdditionalFile to opt into version tracking (TETH1007, TETH1008).
/// </summary>
/// <remarks>
/// <code>
/// # comment
/// 7 Order(Id: int64, Customer: string, Lines: list&lt;message:12&gt;)
/// 9 retired
/// </code>
/// Wire types are the schema notation of docs/wire-format.md, as in capability declarations.
/// </remarks>
internal sealed class ShippedShapes
{
    public const string FileName = "TetherMessages.Shipped.txt";

    private readonly SourceText _text;

    private ShippedShapes(string path, SourceText text, Dictionary<int, Entry> entries, List<(int Line, string Problem)> problems)
    {
        Path = path;
        _text = text;
        Entries = entries;
        Problems = problems;
    }

    public string Path { get; }

    public Dictionary<int, Entry> Entries { get; }

    /// <summary>Lines that could not be read, reported so a typo never switches tracking off silently.</summary>
    public List<(int Line, string Problem)> Problems { get; }

    public static ShippedShapes? Find(AnalyzerOptions options, CancellationToken cancellationToken)
    {
        foreach (AdditionalText file in options.AdditionalFiles)
        {
            if (string.Equals(System.IO.Path.GetFileName(file.Path), FileName, StringComparison.OrdinalIgnoreCase)
                && file.GetText(cancellationToken) is { } text)
            {
                return Parse(file.Path, text);
            }
        }

        return null;
    }

    public static ShippedShapes Parse(string path, SourceText text)
    {
        var entries = new Dictionary<int, Entry>();
        var problems = new List<(int, string)>();
        foreach (TextLine line in text.Lines)
        {
            string content = line.ToString().Trim();
            if (content.Length == 0 || content[0] == '#')
            {
                continue;
            }

            int lineNumber = line.LineNumber;
            Entry? entry = ParseLine(content, lineNumber, out string? problem);
            if (entry is null)
            {
                problems.Add((lineNumber, problem!));
            }
            else if (entries.ContainsKey(entry.Id))
            {
                problems.Add((lineNumber, $"id {entry.Id} is listed twice"));
            }
            else
            {
                entries.Add(entry.Id, entry);
            }
        }

        return new ShippedShapes(path, text, entries, problems);
    }

    /// <summary>A location on one line of the file, for diagnostics about it.</summary>
    public Location LineLocation(int line)
    {
        TextLine textLine = _text.Lines[line];
        return Location.Create(Path, textLine.Span, _text.Lines.GetLinePositionSpan(textLine.Span));
    }

    /// <summary>How the current members break the shipped ones, or null when they only append.</summary>
    public static (int Index, string Problem)? Compare(Entry shipped, IReadOnlyList<(string Name, string WireType)> current)
    {
        for (int i = 0; i < shipped.Members.Count; i++)
        {
            (string name, string wire) = shipped.Members[i];
            int now = IndexOf(current, name);
            if (i < current.Count && current[i].Name == name)
            {
                if (current[i].WireType != wire)
                {
                    return (i, $"'{name}' changed from {wire} to {current[i].WireType}");
                }

                continue;
            }

            if (now >= 0)
            {
                return (now, $"'{name}' moved from position {i + 1} to {now + 1}");
            }

            return i < current.Count
                ? (i, $"'{name}: {wire}' at position {i + 1} was removed or renamed (now '{current[i].Name}: {current[i].WireType}')")
                : (-1, $"'{name}: {wire}' at position {i + 1} was removed");
        }

        return null;
    }

    private static int IndexOf(IReadOnlyList<(string Name, string WireType)> members, string name)
    {
        for (int i = 0; i < members.Count; i++)
        {
            if (members[i].Name == name)
            {
                return i;
            }
        }

        return -1;
    }

    private static Entry? ParseLine(string content, int line, out string? problem)
    {
        problem = null;
        int space = content.IndexOf(' ');
        if (space <= 0 || !int.TryParse(content.Substring(0, space), NumberStyles.None, CultureInfo.InvariantCulture, out int id))
        {
            problem = "expected '<id> <Name>(<member>: <wire type>, ...)' or '<id> retired'";
            return null;
        }

        string rest = content.Substring(space + 1).Trim();
        if (rest == "retired")
        {
            return new Entry(id, line, null, Array.Empty<(string, string)>());
        }

        int open = rest.IndexOf('(');
        if (open <= 0 || rest[rest.Length - 1] != ')')
        {
            problem = "expected '<id> <Name>(<member>: <wire type>, ...)' or '<id> retired'";
            return null;
        }

        var members = new List<(string, string)>();
        foreach (string part in SplitTopLevel(rest.Substring(open + 1, rest.Length - open - 2)))
        {
            int colon = part.IndexOf(':');
            if (colon <= 0)
            {
                problem = $"member '{part}' is not written '<name>: <wire type>'";
                return null;
            }

            members.Add((part.Substring(0, colon).Trim(), part.Substring(colon + 1).Trim()));
        }

        return new Entry(id, line, rest.Substring(0, open).Trim(), members);
    }

    // Members are comma-separated, but map<k,v> has a comma of its own.
    private static IEnumerable<string> SplitTopLevel(string list)
    {
        int depth = 0, start = 0;
        for (int i = 0; i < list.Length; i++)
        {
            switch (list[i])
            {
                case '<': depth++; break;
                case '>': depth--; break;
                case ',' when depth == 0:
                    yield return list.Substring(start, i - start).Trim();
                    start = i + 1;
                    break;
            }
        }

        string last = list.Substring(start).Trim();
        if (last.Length > 0)
        {
            yield return last;
        }
    }

    /// <summary>One line: a shipped shape, or a retired id (<see cref="Name"/> null).</summary>
    public sealed class Entry
    {
        public Entry(int id, int line, string? name, IReadOnlyList<(string Name, string WireType)> members)
        {
            Id = id;
            Line = line;
            Name = name;
            Members = members;
        }

        public int Id { get; }

        public int Line { get; }

        public string? Name { get; }

        public bool IsRetired => Name is null;

        public IReadOnlyList<(string Name, string WireType)> Members { get; }
    }
}
