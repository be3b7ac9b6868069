using System.Text;

namespace Tether.Cli.Output;

/// <summary>Rows printed as left-aligned columns under a header, the way <c>kubectl get</c> prints them.</summary>
internal sealed class Table(params string[] headers)
{
    private readonly List<string[]> _rows = [];

    public Table Add(params string?[] cells)
    {
        _rows.Add([.. cells.Select(static c => c ?? "-")]);
        return this;
    }

    public void WriteTo(TextWriter output)
    {
        int[] widths = [.. headers.Select((h, i) => Math.Max(h.Length, _rows.Count == 0 ? 0 : _rows.Max(r => i < r.Length ? r[i].Length : 0)))];
        var line = new StringBuilder();
        foreach (string[] row in _rows.Prepend(headers))
        {
            line.Clear();
            for (int i = 0; i < row.Length; i++)
            {
                line.Append(i == row.Length - 1 ? row[i] : row[i].PadRight(widths[i] + 2));
            }

            output.WriteLine(line.ToString().TrimEnd());
        }
    }
}
