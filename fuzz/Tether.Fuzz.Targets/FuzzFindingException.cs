namespace Tether.Fuzz;

/// <summary>A rule of the fuzz targets that an input broke (too much memory for its size, a hang, a round trip that changed the value).</summary>
public sealed class FuzzFindingException(string message) : Exception(message);
