namespace Tether;

/// <summary>The named values of an enum a message carries, so a tool can show and accept names instead of numbers.</summary>
/// <param name="TypeName">Fully qualified CLR type name.</param>
/// <param name="IsFlags">Whether the enum is marked <see cref="FlagsAttribute"/> (a value may combine names: <c>"Read, Write"</c>).</param>
/// <param name="Names">The names, in declaration order.</param>
/// <param name="Values">
/// Each name's value, at the same index, as a 64-bit integer (a <c>ulong</c> enum's values above <see cref="long.MaxValue"/>
/// wrap, as an unchecked conversion gives them).
/// </param>
[Message(BuiltInMessageIds.EnumShape)]
public sealed partial record EnumShape(string TypeName, bool IsFlags, IReadOnlyList<string> Names, IReadOnlyList<long> Values);
