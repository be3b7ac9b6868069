#!/usr/bin/env bash
# Calls/s and server memory per connection at 1, 100, 1,000 and 10,000 loopback connections (docs/floods.md).
#   bash benchmarks/connections.sh [seconds per count, default 5] [largest count, default 10000]
# The client and the server are separate processes, so each needs one descriptor per connection and some more: the soft
# limit is raised to the hard one for this run (20,000 here), or to 65,536 where the hard limit allows it.
set -euo pipefail
cd "$(dirname "$0")/.."
hard=$(ulimit -Hn)
if [ "$hard" = "unlimited" ] || [ "$hard" -gt 65536 ]; then hard=65536; fi
ulimit -n "$hard"
if [ "$hard" -lt 10100 ] && [ "${2:-10000}" -ge 10000 ]; then
  echo "error: 10,000 connections need a descriptor limit above 10,100 per process; the hard limit here is $hard" >&2
  exit 1
fi
dotnet build benchmarks/Tether.Benchmarks.Network -c Release -nologo -clp:ErrorsOnly >/dev/null
dotnet benchmarks/Tether.Benchmarks.Network/bin/Release/net10.0/Tether.Benchmarks.Network.dll --connections "${1:-5}" "${2:-10000}"
