#!/usr/bin/env bash
# Packs Tether.Runtime and builds a fresh project that knows Tether only through that package:
# proves the generator and analyzers ship under analyzers/dotnet/cs and work for a user.
set -euo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dotnet pack src/Runtime -c Release -o "$work/feed" -nologo -clp:ErrorsOnly >/dev/null
# The listing goes to a file first: `unzip | grep -q` dies of SIGPIPE (exit 141) under pipefail
# whenever grep stops reading before unzip has finished writing.
unzip -Z1 "$work/feed/Tether.Runtime.0.1.0.nupkg" >"$work/contents.txt"
for dll in Tether.Generators.dll Tether.Analyzers.dll; do
  grep -qx "analyzers/dotnet/cs/$dll" "$work/contents.txt" || { echo "package lacks analyzers/dotnet/cs/$dll" >&2; exit 1; }
done

mkdir "$work/consumer"
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
# A private package cache, so a stale Tether.Runtime 0.1.0 from an earlier run is never used.
dotnet run --project "$work/consumer" -c Release -p:RestorePackagesPath="$work/packages" 2>&1 | tail -1
