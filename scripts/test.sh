#!/usr/bin/env bash
# Runs every test, the way CI does: installs prerequisites, builds the whole solution in Release
# (warnings are errors, AOT/trim analyzers on for Tether.Runtime), checks the NuGet package from a
# fresh consumer project, then runs each test project.
set -euo pipefail
cd "$(dirname "$0")/.."

# afl++: the fuzz smoke run (scripts/fuzz.sh). unzip: check-package.sh lists the .nupkg. ngtcp2 0.12.1 + its GnuTLS crypto helper: the QUIC transport
# (run time); the -dev packages and gcc: the layout test compares the C structs with the C# bindings. redis-server: the
# Redis backplane tests start and kill their own instances on loopback ports (the Debian service is not used).
bash scripts/prerequisites.sh unzip afl++ redis-server \
  libngtcp2-9 libngtcp2-crypto-gnutls2 libgnutls30 \
  libngtcp2-dev libngtcp2-crypto-gnutls-dev libgnutls28-dev gcc

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build Framework.sln -c Release -nologo -clp:ErrorsOnly

# The package a user installs: generator and analyzers under analyzers/dotnet/cs, working.
bash scripts/check-package.sh

# The tether tool as a user gets it: packed, installed with dotnet tool install --add-source, run against a server.
bash scripts/check-tool.sh

# Native AOT: the quickstart published as a native executable, with no trim/AOT warnings, runs.
bash scripts/check-aot.sh

# Coverage-guided fuzzing, a short run of every target (afl-fuzz + SharpFuzz; a crash or hang fails the run at the end).
fuzz_status=0
bash scripts/fuzz.sh --smoke || fuzz_status=$?

log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
dotnet test Framework.sln -c Release --no-build -nologo --blame-hang-timeout 10m 2>&1 | tee "$log" || status=$?

# One summary line over all test projects ("N passed, N failed, N skipped").
count() { grep -oE "$1: +[0-9]+" "$log" | awk '{ s += $2 } END { print s + 0 }'; }
passed=$(count Passed)
failed=$(count Failed)
skipped=$(count Skipped)
echo "Tests: ${passed:-0} passed, ${failed:-0} failed, ${skipped:-0} skipped"

if [ "$fuzz_status" -ne 0 ]; then
  echo "The fuzz smoke run failed (see its findings above)." >&2
fi

if [ "$status" -ne 0 ] || [ "$fuzz_status" -ne 0 ] || [ "${failed:-0}" -ne 0 ] || [ "${passed:-0}" -eq 0 ]; then
  exit 1
fi
