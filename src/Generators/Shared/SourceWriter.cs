using System.Text;

namespace Tether.Generators.Shared;

/// <summary>Builds generated source text with indentation; cheaper and clearer than syntax trees.</summary>
internal sealed class SourceWriter
{
    private readonly StringBuilder _text = new();
    private int _indent;

    public void Line(string line = "")
    {
        if (line.Length > 0)
        {
            _text.Append(' ', _indent * 4);
            _text.Append(line);
        }

        _text.Append('\n');
    }

    public void Open(string line)
    {
        Line(line);
        Line("{");
        _indent++;
    }

    /// <summary>Opens a bare block (a scope for locals).</summary>
    public void OpenBlock()
    {
        Line("{");
        _indent++;
    }

    /// <summary>Appends a block built elsewhere, re-indented to the current level.</summary>
    public void Lines(string block)
    {
        foreach (string line in block.TrimEnd('\n').Split('\n'))
        {
            Line(line);
        }
    }

    public void Close(string suffix = "")
    {
        _indent--;
        Line("}" + suffix);
    }

    public override string ToString() => _text.ToString();
}
