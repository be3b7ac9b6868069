[assembly: System.Runtime.CompilerServices.InternalsVisibleTo("Tether.Analyzers.Tests")]
