#!/usr/bin/env bash
# Runs the BenchmarkDotNet suite (Metrics beside OpenTelemetry .NET and raw baselines, in one process).
#   scripts/bench.sh            default job (accurate; long)
#   scripts/bench.sh --quick    a short job of every benchmark, a few minutes on 2 cores
#   scripts/bench.sh --quick --filter '*Counter*'    any BenchmarkDotNet arguments pass through
#   scripts/bench.sh e2e        end-to-end runs: 1,000,000 points through the OpenTSDB telnet reporter into a local
#                               VictoriaMetrics (started here), and through the embedded store
#   scripts/bench.sh memory     retained bytes per series of each type (live heap, not allocations)
#   scripts/bench.sh aot        a plain timing loop of the histogram, timer and counter records beside OpenTelemetry's,
#                               built as usual (JIT) and ahead of time (NativeAOT), three runs of each, alternating
# Results: BenchmarkDotNet.Artifacts/results/*.md and *.csv
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
if ! build_log=$(dotnet build benchmarks/Metrics.Benchmarks -c Release -nologo -v q 2>&1); then
  printf '%s\n' "$build_log"
  echo "bench.sh: the benchmark project did not build (above)" >&2
  exit 1
fi
bin=benchmarks/Metrics.Benchmarks/bin/Release/net10.0/Metrics.Benchmarks.dll

if [ "${1:-}" = "aot" ]; then
  out=$(mktemp -d)
  trap 'rm -rf "$out"' EXIT
  project=benchmarks/Metrics.Benchmarks.NativeAot
  dotnet publish "$project" -c Release -r linux-x64 --self-contained false -nologo -v q -o "$out/jit" >/dev/null
  dotnet publish "$project" -c Release -r linux-x64 -p:NativeAot=true -nologo -v q -o "$out/aot" >/dev/null
  for _ in 1 2 3; do
    dotnet "$out/jit/Metrics.Benchmarks.NativeAot.dll"
    "$out/aot/Metrics.Benchmarks.NativeAot"
  done
  exit 0
fi

if [ "${1:-}" = "e2e" ]; then
  shift
  if ! command -v victoria-metrics >/dev/null 2>&1; then
    if [ "$(id -u)" -eq 0 ]; then apt-get update -qq && apt-get install -y -qq victoria-metrics >/dev/null; else echo "victoria-metrics is missing"; exit 1; fi
  fi
  exec dotnet "$bin" e2e "$@"
fi

exec dotnet "$bin" "$@"
