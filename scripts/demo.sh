#!/usr/bin/env bash
# Runs the main demo: messages and a handler defined with attributes, their generated codecs,
# dispatch table and capability declaration, end to end on this machine.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/prerequisites.sh >/dev/null
exec dotnet run -c Release --project samples/Tether.Samples.Quickstart -- "$@"
