#!/usr/bin/env bash
# Coverage-guided fuzzing of Tether's decoders and server with afl-fuzz and SharpFuzz (docs/fuzzing.md).
#
#   bash scripts/fuzz.sh --smoke            every target for 15 s (what scripts/test.sh runs)
#   bash scripts/fuzz.sh 3600 codec server  the named targets for an hour each (all targets when none is named)
#   TETHER_FUZZ_OUT=DIR bash scripts/fuzz.sh ...   findings and the instrumented build under DIR (two runs side by side)
#
# Installs afl++ (Debian) and the SharpFuzz instrumenter (a .NET tool, into .tools/) when missing, publishes the fuzz
# runner, instruments Tether.Runtime and the targets, runs afl-fuzz from fuzz/corpus/TARGET with findings under
# artifacts/fuzz/TARGET, prints executions and coverage per target, and fails if any crash or hang was saved (each is
# replayed so its exception and stack are printed).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=15
if [ "${1:-}" = "--smoke" ]; then
  shift
elif [[ "${1:-}" =~ ^[0-9]+$ ]]; then
  seconds=$1
  shift
fi

bash scripts/prerequisites.sh afl++ >/dev/null

tools=.tools
if [ ! -x "$tools/sharpfuzz" ]; then
  dotnet tool install --tool-path "$tools" SharpFuzz.CommandLine --version 2.3.0 >/dev/null
fi

out=${TETHER_FUZZ_OUT:-artifacts/fuzz} # another folder lets two runs go side by side
bin=$out/bin
rm -rf "$bin"
dotnet publish fuzz/Tether.Fuzz -c Release -o "$bin" -nologo -clp:ErrorsOnly >/dev/null

# The names come from the runner before it is instrumented: instrumented code may only run under afl-fuzz.
targets=("$@")
if [ "${#targets[@]}" -eq 0 ]; then
  mapfile -t targets < <(dotnet "$bin/Tether.Fuzz.dll" list | awk '{ print $1 }')
fi

# Findings are replayed by an uninstrumented copy.
plain=$out/plain
rm -rf "$plain"
cp -r "$bin" "$plain"
for assembly in Tether.Runtime.dll Tether.Fuzz.Targets.dll; do
  "$tools/sharpfuzz" "$bin/$assembly" >/dev/null
done

# afl-fuzz runs dotnet, which it cannot see instrumented (the instrumentation is in the managed assemblies); it
# needs no core-dump handler, CPU governor or terminal UI here.
export AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_SKIP_CPUFREQ=1 \
  AFL_NO_AFFINITY=1 AFL_QUIET=1 DOTNET_TieredPGO=0

status=0
for target in "${targets[@]}"; do
  findings=$out/$target
  unhandled=$findings.unhandled
  rm -rf "$findings" "$findings.last-input" "$unhandled" "$unhandled.input"
  # -t: 40 s per input, above `FuzzTarget.HangAfter`, the server and client targets' own hang bound (20 s for a run, then the dispose): afl's
  # timeout kills the process, and SharpFuzz's in-process runner does not survive that (afl-fuzz then stops with
  # "Unable to communicate with fork server" and saves nothing), where a target's own bound throws a finding with its
  # reason. Inputs take milliseconds (the slowest of the client target's 37,300 queued inputs: 148 ms). -m none: .NET
  # reserves far more address space than afl's default memory limit.
  TETHER_FUZZ_UNHANDLED=$unhandled afl-fuzz -i "fuzz/corpus/$target" -o "$findings" -V "$seconds" -t 40000 -m none -- \
    dotnet "$bin/Tether.Fuzz.dll" afl "$target" >"$findings.log" 2>&1 || {
      echo "fuzz $target: afl-fuzz failed; its log:" >&2
      tail -30 "$findings.log" >&2
      status=1
      if [ -e "$unhandled" ]; then
        # The target's process ended on an exception no input handler saw: afl lost the input, the runner kept it.
        echo "fuzz $target: the process ended on an unhandled exception (input kept as $unhandled.input):" >&2
        cat "$unhandled" >&2
        timeout 60 dotnet "$plain/Tether.Fuzz.dll" replay "$target" "$unhandled.input" >&2 || true
      elif [ -e "$findings/default/.cur_input" ]; then
        # Killed another way (afl's timeout, a stack overflow): afl's copy of the input it was running.
        cp "$findings/default/.cur_input" "$findings.last-input"
        echo "fuzz $target: the input afl-fuzz was running, kept as $findings.last-input, replayed:" >&2
        timeout 120 dotnet "$plain/Tether.Fuzz.dll" replay "$target" "$findings.last-input" >&2 || true
      fi
      continue
    }

  stats=$findings/default/fuzzer_stats
  stat() { awk -F' *: *' -v key="$1" '$1 == key { print $2 }' "$stats"; }
  crashes=$(stat saved_crashes)
  hangs=$(stat saved_hangs)
  echo "fuzz $target: $(stat execs_done) executions in $(stat run_time) s, $(stat corpus_count) inputs in the queue," \
    "coverage $(stat bitmap_cvg), $crashes crashes, $hangs hangs"
  if [ "$crashes" != "0" ] || [ "$hangs" != "0" ]; then
    status=1
    for finding in "$findings"/default/crashes/id* "$findings"/default/hangs/id*; do
      [ -e "$finding" ] || continue
      echo "finding: $finding"
      timeout 60 dotnet "$plain/Tether.Fuzz.dll" replay "$target" "$finding" || true
    done
  fi
done

exit $status
