#!/usr/bin/env bash
# Packs Tether.Runtime and builds a fresh project that knows Tether only through that package:
# proves the generator and analyzers ship under analyzers/dotnet/cs and work for a user.
set -euo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dotnet pack src/Runtime -c Release -o "$work/feed" -nologo -clp:ErrorsOnly >/dev/null
# The version comes from git (MinVer, Directory.Build.props): read it back from the package's name.
package=$(ls "$work/feed"/Tether.Runtime.*.nupkg)
version=$(basename "$package" .nupkg)
version=${version#Tether.Runtime.}
echo "package version: $version"
# The listing goes to a file first: `unzip | grep -q` dies of SIGPIPE (exit 141) under pipefail
# whenever grep stops reading before unzip has finished writing.
unzip -Z1 "$package" >"$work/contents.txt"
for dll in Tether.Generators.dll Tether.Analyzers.dll Tether.Analyzers.CodeFixes.dll; do
  grep -qx "analyzers/dotnet/cs/$dll" "$work/contents.txt" || { echo "package lacks analyzers/dotnet/cs/$dll" >&2; exit 1; }
done

# A contracts library that references only the package (a [Service] interface: its client is generated there), and an
# app that references the contracts and the package and calls the service through the contracts' client.
mkdir "$work/contracts" "$work/consumer"
cp tests/PackageConsumer/Contracts.csproj.template "$work/contracts/Contracts.csproj"
cp tests/PackageConsumer/Contracts.cs.template "$work/contracts/Contracts.cs"
cp tests/PackageConsumer/PackageConsumer.csproj.template "$work/consumer/PackageConsumer.csproj"
cp tests/PackageConsumer/Program.cs.template "$work/consumer/Program.cs"
cat > "$work/consumer/nuget.config" <<CONFIG
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <clear />
    <add key="local" value="$work/feed" />
    <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
  </packageSources>
</configuration>
CONFIG
cp "$work/consumer/nuget.config" "$work/contracts/nuget.config"
# A private package cache, so a stale Tether.Runtime of the same version from an earlier run is never used.
dotnet run --project "$work/consumer" -c Release -p:RestorePackagesPath="$work/packages" -p:TetherVersion="$version" 2>&1 | tail -2

# The analyzers run from the package too: a message that is not partial must fail the build with TETH1001
# (the generator itself reports nothing; it only skips the type).
echo '[Tether.Message(900)] public record NotPartial(int Id);' >"$work/consumer/Broken.cs"
if dotnet build "$work/consumer" -c Release -p:RestorePackagesPath="$work/packages" -p:TetherVersion="$version" >"$work/broken.txt" 2>&1; then
  echo "a non-partial message built without TETH1001: the package's analyzers did not run" >&2
  exit 1
fi
grep -q "error TETH1001" "$work/broken.txt" || { echo "expected TETH1001 from the packaged analyzers:" >&2; tail -20 "$work/broken.txt" >&2; exit 1; }
echo "package analyzers: TETH1001 reported for a non-partial message"
