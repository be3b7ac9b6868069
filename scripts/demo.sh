#!/usr/bin/env bash
# The main demo, end to end on this machine over loopback TCP: Echo (calls, one-way, ping, graceful stop),
# Chat (rooms as groups, pushed broadcasts), Rpc (typed errors, timeouts and cancellation reaching the
# server, streams, the pending-call limit), then the codec quickstart. Each prints what happened.
# Pass a sample name (Echo, Chat, Rpc, Quickstart) to run only that one.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/prerequisites.sh >/dev/null
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

samples=("${@:-Echo Chat Rpc Quickstart}")
read -r -a samples <<<"${samples[*]}"
for sample in "${samples[@]}"; do
  dotnet build "samples/Tether.Samples.$sample" -c Release -nologo -clp:ErrorsOnly -v:quiet >/dev/null
done
for sample in "${samples[@]}"; do
  echo "=== $sample ==="
  dotnet "samples/Tether.Samples.$sample/bin/Release/net10.0/Tether.Samples.$sample.dll"
  echo
done
