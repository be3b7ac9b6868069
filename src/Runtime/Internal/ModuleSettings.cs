using System.Runtime.CompilerServices;

// Hot paths stackalloc scratch buffers (string transcoding, fixed-size reads across segments) and
// always overwrite them before reading; zero-initialising them is pure cost.
[module: SkipLocalsInit]
