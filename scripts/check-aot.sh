#!/usr/bin/env bash
# Publishes the quickstart as a Native AOT executable and runs it: proves the generated code and
# Tether.Runtime are trim- and AOT-safe in practice, not only by analyzer. Fails on any IL/AOT warning.
set -euo pipefail
cd "$(dirname "$0")/.."

out=$(mktemp -d)
log=$(mktemp)
trap 'rm -rf "$out" "$log"' EXIT
dotnet publish samples/Tether.Samples.Quickstart -c Release -r linux-x64 -p:TetherNativeAot=true -o "$out" -nologo >"$log" 2>&1 || { cat "$log"; exit 1; }
if grep -qiE "warning (IL|AOT)[0-9]*" "$log"; then
  grep -iE "warning" "$log"
  echo "native AOT publish produced warnings" >&2
  exit 1
fi

last=$("$out/Tether.Samples.Quickstart" | tail -1)
[ "$last" = "done" ] || { echo "native AOT demo did not finish: $last" >&2; exit 1; }
echo "native AOT ok: $(du -h "$out/Tether.Samples.Quickstart" | cut -f1) executable, demo ran to the end"
