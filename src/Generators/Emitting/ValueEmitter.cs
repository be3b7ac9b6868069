using System;
using System.Collections.Generic;
using Microsoft.CodeAnalysis.CSharp;
using Tether.Generators.Model;
using Tether.Generators.Shared;

namespace Tether.Generators.Emitting;

/// <summary>
/// Emits the write, read and size code for one value of a given <see cref="TypeShape"/>. Collections
/// get private helper methods (one set per distinct collection type), emitted by <see cref="EmitHelpers"/>.
/// </summary>
/// <remarks>Generated code names the writer <c>writer</c>, the reader <c>reader</c> and the nesting depth <c>depth</c>.</remarks>
internal sealed class ValueEmitter
{
    private readonly Dictionary<string, int> _helperIds = new(StringComparer.Ordinal);
    private readonly List<string> _helpers = [];
    private int _locals;

    public static bool IsBounded(TypeShape shape) => shape.Kind switch
    {
        ShapeKind.Enum => IsBounded(shape.Element!),
        ShapeKind.Nullable => IsBounded(shape.Element!),
        _ => PrimitiveCodecs.TryGet(shape.Kind, out _),
    };

    public static int MaxSize(TypeShape shape) => shape.Kind switch
    {
        ShapeKind.Enum => MaxSize(shape.Element!),
        ShapeKind.Nullable => 1 + MaxSize(shape.Element!),
        _ => PrimitiveCodecs.TryGet(shape.Kind, out PrimitiveCodecs.Codec codec) ? codec.MaxSize : throw new InvalidOperationException("Unbounded shape " + shape.Kind),
    };

    /// <summary>Bytes that must be contiguous at a bounded value's start for its unchecked read.</summary>
    public static int ContiguousNeed(TypeShape shape) => shape.Kind switch
    {
        ShapeKind.Enum => ContiguousNeed(shape.Element!),
        ShapeKind.Nullable => 1 + ContiguousNeed(shape.Element!),
        _ => PrimitiveCodecs.TryGet(shape.Kind, out PrimitiveCodecs.Codec codec) ? codec.ContiguousNeed : throw new InvalidOperationException("Unbounded shape " + shape.Kind),
    };

    /// <summary>The fewest bytes a value can take; bounds collection counts against the bytes received.</summary>
    public static int MinSize(TypeShape shape) => shape.Kind switch
    {
        ShapeKind.Enum => MinSize(shape.Element!),
        _ => PrimitiveCodecs.TryGet(shape.Kind, out PrimitiveCodecs.Codec codec) ? codec.MinSize : 1,
    };

    public static string Identifier(string name) =>
        SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None ? "@" + name : name;

    /// <summary>Unchecked write statements for a bounded value (the caller reserved <see cref="MaxSize"/>).</summary>
    public void UncheckedWrite(SourceWriter w, TypeShape shape, string value)
    {
        switch (shape.Kind)
        {
            case ShapeKind.Enum:
                UncheckedWrite(w, shape.Element!, $"({shape.Element!.TypeName})({value})");
                return;
            case ShapeKind.Nullable:
                string local = NextLocal();
                w.Line($"{shape.TypeName} {local} = {value};");
                w.Open($"if ({local}.HasValue)");
                w.Line("writer.UncheckedWriteByte(1);");
                UncheckedWrite(w, shape.Element!, $"{local}.GetValueOrDefault()");
                w.Close();
                w.Open("else");
                w.Line("writer.UncheckedWriteByte(0);");
                w.Close();
                return;
            default:
                PrimitiveCodecs.TryGet(shape.Kind, out PrimitiveCodecs.Codec codec);
                w.Line(string.Format(codec.Write, value));
                return;
        }
    }

    /// <summary>Whether a bounded value can be stored through a run's local cursor (<see cref="Put"/>).</summary>
    public static bool CanPut(TypeShape shape) => shape.Kind switch
    {
        ShapeKind.Enum => CanPut(shape.Element!),
        ShapeKind.Nullable => CanPut(shape.Element!),
        _ => PrimitiveCodecs.TryGet(shape.Kind, out PrimitiveCodecs.Codec codec) && codec.Put is not null,
    };

    /// <summary>
    /// The farthest byte, counted from the value's start, that <see cref="Put"/> may store or <see cref="Get"/> may
    /// load: its maximum size, or for a varint the whole 8-byte word it may be stored as or read from.
    /// </summary>
    public static int CursorExtent(TypeShape shape) => shape.Kind switch
    {
        ShapeKind.Enum => CursorExtent(shape.Element!),
        ShapeKind.Nullable => 1 + CursorExtent(shape.Element!),
        _ => PrimitiveCodecs.TryGet(shape.Kind, out PrimitiveCodecs.Codec codec) && codec.ContiguousNeed < codec.MaxSize
            ? System.Math.Max(codec.MaxSize, 8)
            : MaxSize(shape),
    };

    /// <summary>
    /// Statements storing a bounded value at <c>__c + __n</c> and adding its length to <c>__n</c> (inside a run opened
    /// with <c>BeginRun</c>; <see cref="CanPut"/> must hold).
    /// </summary>
    public void Put(SourceWriter w, TypeShape shape, string value)
    {
        const string Destination = "ref global::System.Runtime.CompilerServices.Unsafe.Add(ref __c, __n)";
        switch (shape.Kind)
        {
            case ShapeKind.Enum:
                Put(w, shape.Element!, $"({shape.Element!.TypeName})({value})");
                return;
            case ShapeKind.Nullable:
                string local = NextLocal();
                w.Line($"{shape.TypeName} {local} = {value};");
                w.Open($"if ({local}.HasValue)");
                w.Line($"__n += {KnownNames.Writer}.PutByte({Destination}, 1);");
                Put(w, shape.Element!, $"{local}.GetValueOrDefault()");
                w.Close();
                w.Open("else");
                w.Line($"__n += {KnownNames.Writer}.PutByte({Destination}, 0);");
                w.Close();
                return;
            default:
                PrimitiveCodecs.TryGet(shape.Kind, out PrimitiveCodecs.Codec codec);
                w.Line($"__n += {string.Format(codec.Put!, value, Destination)};");
                return;
        }
    }

    /// <summary>Checked write statements for any value.</summary>
    public void Write(SourceWriter w, TypeShape shape, string value)
    {
        if (IsBounded(shape))
        {
            w.Line($"writer.Reserve({MaxSize(shape)});");
            UncheckedWrite(w, shape, value);
            return;
        }

        switch (shape.Kind)
        {
            case ShapeKind.String:
            case ShapeKind.ByteArray:
                w.Line($"writer.{(shape.Kind == ShapeKind.String ? "WriteString" : "WriteBytes")}({value});");
                return;
            case ShapeKind.ByteMemory:
                w.Line($"writer.WriteBytes(({value}).Span);");
                return;
            case ShapeKind.Message:
                w.Line($"writer.WriteMessage<{shape.TypeName}>({value});");
                return;
            case ShapeKind.Nullable:
                string local = NextLocal();
                w.Line($"{shape.TypeName} {local} = {value};");
                w.Open($"if ({local}.HasValue)");
                w.Line("writer.WriteByte(1);");
                Write(w, shape.Element!, $"{local}.GetValueOrDefault()");
                w.Close();
                w.Open("else");
                w.Line("writer.WriteByte(0);");
                w.Close();
                return;
            default:
                w.Line($"__TetherWrite{Helper(shape)}(ref writer, {value});");
                return;
        }
    }

    public static bool CanGet(TypeShape shape) => shape.Kind switch
    {
        ShapeKind.Enum => CanGet(shape.Element!),
        ShapeKind.Nullable => CanGet(shape.Element!),
        _ => PrimitiveCodecs.TryGet(shape.Kind, out PrimitiveCodecs.Codec codec) && codec.Get is not null,
    };

    /// <summary>
    /// An expression reading a bounded value at <c>__c + __n</c> and advancing <c>__n</c> (inside a run opened with
    /// <c>BeginRun</c> after a check for the run's <see cref="CursorExtent"/>s; <see cref="CanGet"/> must hold).
    /// </summary>
    public static string Get(TypeShape shape)
    {
        switch (shape.Kind)
        {
            case ShapeKind.Enum:
                return $"({shape.TypeName}){Get(shape.Element!)}";
            case ShapeKind.Nullable:
                return $"(reader.GetBoolean(ref __c, ref __n) ? ({shape.TypeName}){Get(shape.Element!)} : null)";
            default:
                PrimitiveCodecs.TryGet(shape.Kind, out PrimitiveCodecs.Codec codec);
                return codec.Get!;
        }
    }

    /// <summary>An expression that reads one value; <paramref name="isUnchecked"/> only for bounded shapes inside a checked run.</summary>
    public string Read(TypeShape shape, bool isUnchecked)
    {
        switch (shape.Kind)
        {
            case ShapeKind.Enum:
                return $"({shape.TypeName}){Read(shape.Element!, isUnchecked)}";
            case ShapeKind.Nullable:
                string presence = isUnchecked ? "reader.UncheckedReadBoolean()" : "reader.ReadBoolean()";
                return $"({presence} ? ({shape.TypeName}){Read(shape.Element!, isUnchecked)} : null)";
            case ShapeKind.String:
                return "reader.ReadString()!";
            case ShapeKind.ByteArray:
                return "reader.ReadByteArray()!";
            case ShapeKind.ByteMemory:
                return "reader.ReadMemory()";
            case ShapeKind.Message:
                return $"reader.ReadMessage<{shape.TypeName}>()!";
            case ShapeKind.Array:
            case ShapeKind.List:
            case ShapeKind.ReadOnlyList:
            case ShapeKind.Dictionary:
                return $"__TetherRead{Helper(shape)}(ref reader)";
            default:
                PrimitiveCodecs.TryGet(shape.Kind, out PrimitiveCodecs.Codec codec);
                return isUnchecked ? codec.ReadUnchecked : codec.ReadChecked;
        }
    }

    /// <summary>An expression for the exact encoded size of <paramref name="value"/>.</summary>
    public string Size(TypeShape shape, string value)
    {
        switch (shape.Kind)
        {
            case ShapeKind.Enum:
                return Size(shape.Element!, $"({shape.Element!.TypeName})({value})");
            case ShapeKind.Nullable:
                return $"(({value}).HasValue ? 1 + {Size(shape.Element!, $"({value}).GetValueOrDefault()")} : 1)";
            case ShapeKind.String:
                return $"{KnownNames.WireSize}.Text({value})";
            case ShapeKind.ByteArray:
                return $"{KnownNames.WireSize}.Bytes({value})";
            case ShapeKind.ByteMemory:
                return $"{KnownNames.WireSize}.Bytes(({value}).Span)";
            case ShapeKind.Message:
                return $"{KnownNames.WireSize}.Message<{shape.TypeName}>({value}, depth)";
            case ShapeKind.Array:
            case ShapeKind.List:
            case ShapeKind.ReadOnlyList:
            case ShapeKind.Dictionary:
                return $"__TetherSize{Helper(shape)}({value}, depth)";
            default:
                PrimitiveCodecs.TryGet(shape.Kind, out PrimitiveCodecs.Codec codec);
                return string.Format(codec.Size, value);
        }
    }

    /// <summary>Writes every helper method created so far (helpers may create more while being built).</summary>
    public void EmitHelpers(SourceWriter w)
    {
        for (int i = 0; i < _helpers.Count; i++)
        {
            w.Line();
            w.Lines(_helpers[i]);
        }
    }

    private string NextLocal() => "__v" + _locals++;

    private int Helper(TypeShape shape)
    {
        if (_helperIds.TryGetValue(shape.TypeName, out int id))
        {
            return id;
        }

        id = _helperIds.Count;
        _helperIds.Add(shape.TypeName, id);
        _helpers.Add(string.Empty);
        _helpers[id] = CollectionHelpers.Build(this, shape, id);
        return id;
    }
}
