#!/usr/bin/env bash
# Packs the tether tool, installs it from that local package the way a user does (dotnet tool install --add-source),
# and runs the installed command against the Echo sample server on a loopback port.
set -euo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

dotnet pack src/Cli -c Release -o "$work/feed" -nologo -clp:ErrorsOnly >/dev/null
package=$(ls "$work/feed"/Tether.Cli.*.nupkg)
version=$(basename "$package" .nupkg)
version=${version#Tether.Cli.}
echo "tool package version: $version"
dotnet tool install Tether.Cli --version "$version" --tool-path "$work/tools" --add-source "$work/feed" >/dev/null
tether="$work/tools/tether"

# The Echo sample server on a port the system picks; its first line says which.
mkfifo "$work/server.out"
dotnet samples/Tether.Samples.Echo/bin/Release/net10.0/Tether.Samples.Echo.dll --server 0 127.0.0.1 >"$work/server.out" &
server_pid=$!
exec 3<"$work/server.out" # kept open: the server may print more, and a reader must be there
read -r -t 60 first <&3 || { echo "the Echo server did not start" >&2; exit 1; }
address=$(sed -E 's/^listening on ([0-9.]+:[0-9]+).*/\1/' <<<"$first")

"$tether" --help >/dev/null
"$tether" inspect --server "$address" | grep -Eq '^Echo +1 +Echo +unary' || { echo "tether inspect did not list Echo/Echo" >&2; exit 1; }
reply=$("$tether" call Echo/Echo '{"Text":"from the installed tool"}' --server "$address" --output json)
grep -q '"Text":"from the installed tool"' <<<"$reply" || { echo "unexpected reply: $reply" >&2; exit 1; }
status=0
"$tether" call Echo/Nope '{}' --server "$address" 2>/dev/null || status=$?
[ "$status" -eq 2 ] || { echo "calling a missing method exited $status, not 2" >&2; exit 1; }
echo "installed tool: inspect, call and exit codes work ($reply)"
