#!/usr/bin/env bash
# Restores, builds and runs every test project; prints one closing line "N passed, N failed, N skipped"
# summed over all projects, and exits non-zero on any failure.
#
# Real backends: the integration tests use VictoriaMetrics (OpenTSDB telnet + HTTP) and promtool (Prometheus
# exposition) from Debian's packages. They are installed here when missing (as root). Under CI=true a backend
# that cannot be installed or started fails the run; elsewhere its tests are skipped with a reason.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

install_backends() {
  local missing=()
  command -v victoria-metrics >/dev/null 2>&1 || missing+=(victoria-metrics)
  command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing ${missing[*]} from Debian's packages..."
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}") >/tmp/metrics-apt.log 2>&1 \
      || { echo "apt-get install ${missing[*]} failed; see /tmp/metrics-apt.log"; tail -5 /tmp/metrics-apt.log; }
  else
    echo "Missing ${missing[*]} and not root: install them with apt-get to run the backend tests."
  fi
}
install_backends
# Debian's prometheus package starts a service on :9090 after install; the tests need only promtool.
if command -v systemctl >/dev/null 2>&1; then systemctl stop prometheus prometheus-node-exporter >/dev/null 2>&1 || true; fi
pkill -x prometheus >/dev/null 2>&1 || true

if [ "${CI:-}" = "true" ]; then
  # Under CI a backend that is not there is a failure, never a silent skip.
  export METRICS_REQUIRE_BACKENDS=1
  command -v victoria-metrics >/dev/null 2>&1 || { echo "CI: victoria-metrics is not installed"; echo "0 passed, 1 failed"; exit 1; }
  command -v promtool >/dev/null 2>&1 || { echo "CI: promtool is not installed"; echo "0 passed, 1 failed"; exit 1; }
fi

echo "Restoring and building..."
if ! dotnet build Metrics.sln -c Release -nologo -v q >/tmp/metrics-build.log 2>&1; then
  grep -E "error" /tmp/metrics-build.log | sort -u | head -40
  echo "0 passed, 1 failed"
  exit 1
fi

passed=0; failed=0; skipped=0; status=0
results=$(mktemp -d)

# Runs one test project (label, project, extra `dotnet test` arguments) and adds its counts to the totals.
run_project() {
  local name=$1 proj=$2
  shift 2
  echo "== $name"
  local file=${name//[^A-Za-z0-9.]/_}
  local log="$results/$file.log" trx="$results/$file.trx"
  dotnet test "$proj" -c Release --no-build --nologo \
    --logger "console;verbosity=normal" --logger "trx;LogFileName=$trx" \
    --blame-hang-timeout 5m "$@" >"$log" 2>&1
  local rc=$?
  # Failed and skipped tests with their messages; passing ones stay quiet.
  grep -E "^\s*(Failed|Skipped) " -A 6 "$log" | head -150
  if [ -f "$trx" ]; then
    local counters
    counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
    get() { sed -nE "s/.* $1=\"([0-9]+)\".*/\1/p" <<<"$counters"; }
    local total executed p f errs to ab s
    total=$(get total); executed=$(get executed); p=$(get passed); f=$(get failed)
    errs=$(get error); to=$(get timeout); ab=$(get aborted)
    f=$(( ${f:-0} + ${errs:-0} + ${to:-0} + ${ab:-0} ))
    s=$(( ${total:-0} - ${executed:-0} ))
    echo "$name: ${p:-0} passed, $f failed, $s skipped"
    passed=$((passed + ${p:-0})); failed=$((failed + f)); skipped=$((skipped + s))
    [ "$f" -gt 0 ] && status=1
    if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then
      tail -30 "$log"
      echo "$name: dotnet test exited $rc although no test failed (crash or hang); counted as one failure"
      failed=$((failed + 1)); status=1
    fi
  elif grep -q "No test is available" "$log"; then
    echo "$name: no tests yet"
  else
    tail -30 "$log"
    echo "$name: the test run did not finish (exit $rc)"
    failed=$((failed + 1)); status=1
  fi
}

for proj in tests/*/*.csproj; do
  run_project "$(basename "$proj" .csproj)" "$proj" "$@"
done

# The histogram code has vector paths for AVX-512, for 256-bit vectors and for none: the histogram and reader tests
# run again with the wider instruction sets turned off, so each fallback is tested on this machine too.
histograms="FullyQualifiedName~Metrics.Tests.Histograms|FullyQualifiedName~MetricsReader"
DOTNET_EnableAVX512=0 run_project "Metrics.Tests, histograms without AVX-512" tests/Metrics.Tests/Metrics.Tests.csproj --filter "$histograms"
DOTNET_EnableHWIntrinsic=0 run_project "Metrics.Tests, histograms without vector instructions" tests/Metrics.Tests/Metrics.Tests.csproj --filter "$histograms"

# Everything culture-sensitive must be invariant: the core and reporter suites run again under Turkish (dotless i,
# comma decimals), whose culture a set-up guard checks is really in effect. The CLI's own output stays in English; bash's
# complaint that the C library has no Turkish locale (irrelevant to .NET, which uses ICU) is silenced.
turkish() { { LC_ALL=tr_TR.UTF-8 LANG=tr_TR.UTF-8 DOTNET_CLI_UI_LANGUAGE=en METRICS_TEST_CULTURE=tr-TR run_project "$@"; } 2>/dev/null; }
turkish "Metrics.Tests, Turkish culture" tests/Metrics.Tests/Metrics.Tests.csproj
turkish "Metrics.Reporters.Tests, Turkish culture" tests/Metrics.Reporters.Tests/Metrics.Reporters.Tests.csproj

echo "${passed} passed, ${failed} failed, ${skipped} skipped"
exit $status
