using System.Resources;

namespace Tether.Analyzers;

/// <summary>The analyzer's localizable strings (Resources.resx; satellite assemblies add languages).</summary>
internal static class Resources
{
    public static ResourceManager Manager { get; } = new("Tether.Analyzers.Resources", typeof(Resources).Assembly);
}
