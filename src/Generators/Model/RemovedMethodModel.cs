namespace Tether.Generators.Model;

/// <summary>A method a service used to have (<c>[RemovedMethod]</c>): its id, name and why it went.</summary>
internal sealed record RemovedMethodModel(int MethodId, string Name, string Reason);
