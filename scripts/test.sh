#!/usr/bin/env bash
# The test command, in three sizes (README, "Testing"):
#
#   scripts/test.sh unit   npm run test:unit   build, then every in-process test (test/tiers/unit.json)
#   scripts/test.sh dev    npm run test:dev    build, then the in-process tests and the spawned-daemon and
#                                              small-binary tests (test/tiers/process.json)
#   scripts/test.sh        npm test            everything, from a fresh Debian machine: system packages,
#                                              npm packages, build, lint, then every group of tests
#
# Each group is one mocha run with its own config in test/tiers/. The whole run keeps two lanes busy at
# once: lint, unit, process and tools in one; in the other the end-to-end tests, which mostly wait on
# schedules, scrapes and Alertmanager's timers (e2e), the chaos tests, then the heavy group. A group's
# output is printed whole when it ends, so the lanes never interleave. Coverage (c8, V8's own, through
# the source maps) is collected by the whole run from the unit, process and e2e groups and the daemons
# they spawn, and must stay at or above the floors in .c8rc.json for the unit group alone and for all
# together. The output ends with the plain line "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."

mode=${1:-all}
case "$mode" in
  unit | dev | all) ;;
  *)
    echo "usage: scripts/test.sh [unit|dev|all]" >&2
    exit 2
    ;;
esac

started=$(date +%s%N)
out=var/test
summary_fail() { echo "$1" >&2; echo "0 passed, 1 failed"; exit 1; }
seconds_since() { awk -v a="$1" -v b="$(date +%s%N)" 'BEGIN { printf "%.1f", (b - a) / 1e9 }'; }

if [ "$mode" = all ]; then
  # Debian packages the tests run for real: prometheus (and promtool), victoria-metrics,
  # prometheus-alertmanager (and amtool), chromium for the docs and status pages, and faketime
  # (libfaketime) to step a daemon's wall clock.
  missing=()
  command -v promtool >/dev/null 2>&1 && command -v prometheus >/dev/null 2>&1 || missing+=(prometheus)
  command -v victoria-metrics >/dev/null 2>&1 || missing+=(victoria-metrics)
  command -v prometheus-alertmanager >/dev/null 2>&1 && command -v amtool >/dev/null 2>&1 || missing+=(prometheus-alertmanager)
  command -v kubectl >/dev/null 2>&1 || missing+=(kubernetes-client) # kubectl kustomize renders deploy/kubernetes
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  [ -e /usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1 ] || missing+=(faketime) # the chaos suite's clock steps
  if [ ${#missing[@]} -gt 0 ]; then
    sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    echo "installing Debian packages: ${missing[*]}"
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
      || summary_fail "could not install the Debian packages: ${missing[*]}"
  fi

  # npm packages, exactly as pinned in package-lock.json (skipped when already current).
  if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm ci --no-audit --no-fund || summary_fail "npm ci failed"
  fi
  started=$(date +%s%N) # the run itself, without a first-time install
fi

t=$(date +%s%N)
npm run --silent build || summary_fail "build (tsc, strict) failed"
echo "build: $(seconds_since "$t") s"

rm -rf "$out" var/coverage
mkdir -p "$out"

# One group: its mocha run, its output in var/test/<group>.log and its counts in var/test/<group>.json.
# With "live" the output is shown as it comes; otherwise whole, once the group ends.
run_group() {
  local group=$1 show=$2 t status
  t=$(date +%s%N)
  local env=(PETSAGE_TEST_SUMMARY="$out/$group.json")
  # Coverage in the whole run only (the inner loops stay fast): the unit group's apart, so that it can
  # be checked alone too. Not counted: the chaos group, whose bounds are on time and memory, and the
  # heavy and tools groups, which run whole programs (the benchmarks, npm ci, other Node versions,
  # Stryker) over code the other groups cover.
  if [ "$mode" = all ]; then
    case "$group" in
      unit) env+=(NODE_V8_COVERAGE="$PWD/var/coverage/unit") ;;
      process | e2e) env+=(NODE_V8_COVERAGE="$PWD/var/coverage/tmp") ;;
    esac
  fi
  set +e
  if [ "$show" = live ]; then
    env "${env[@]}" node_modules/.bin/mocha --config "test/tiers/$group.json" 2>&1 | tee "$out/$group.log"
    status=${PIPESTATUS[0]}
  else
    env "${env[@]}" node_modules/.bin/mocha --config "test/tiers/$group.json" >"$out/$group.log" 2>&1
    status=$?
  fi
  set -e
  echo "$status $(seconds_since "$t")" >"$out/$group.status"
  [ "$show" = live ] || print_whole "$group" "$out/$group.log"
}

# Prints a finished group's output in one piece (the other lane waits for the lock).
print_whole() {
  {
    flock 9
    echo
    echo "=== $1"
    cat "$2"
  } 9>"$out/print.lock"
}

run_lint() {
  local t status
  t=$(date +%s%N)
  set +e
  npm run --silent lint >"$out/lint.log" 2>&1
  status=$?
  set -e
  echo "$status $(seconds_since "$t")" >"$out/lint.status"
  [ "$status" -eq 0 ] || print_whole "lint (eslint + typescript-eslint, prettier): FAILED" "$out/lint.log"
}

case "$mode" in
  unit) groups=(unit) && run_group unit live ;;
  dev) groups=(unit process) && run_group unit live && run_group process live ;;
  all)
    groups=(unit process e2e chaos heavy tools)
    # Two lanes. The end-to-end and chaos tests hold bounds on time (time to page, read-back windows,
    # a gate within verify.timeout, probes answered): they run at the normal priority, then that lane
    # takes the heavy group. The other lane (lint, unit, process, tools) runs at a lower priority, so
    # it takes what is left while they run.
    (
      run_group e2e whole
      run_group chaos whole
      renice -n 10 -p "$BASHPID" >/dev/null
      run_group heavy whole
    ) &
    lane_e2e=$!
    renice -n 10 -p $$ >/dev/null
    run_lint
    run_group unit whole
    run_group process whole
    run_group tools whole
    wait "$lane_e2e"
    ;;
esac

# The closing table, then coverage over every group that counts it, then the one line CI reads.
passes=0
failures=0
echo
printf '%-8s %7s %7s %9s\n' group passed failed seconds
if [ -f "$out/lint.status" ]; then
  read -r status secs <"$out/lint.status"
  lint_failed=0
  [ "$status" -eq 0 ] || lint_failed=1
  printf '%-8s %7s %7s %9s\n' lint - "$lint_failed" "$secs"
  failures=$((failures + lint_failed))
fi
for group in "${groups[@]}"; do
  read -r status secs <"$out/$group.status"
  if [ -f "$out/$group.json" ]; then
    read -r p f < <(node -e 'const s = require(process.argv[1]); console.log(s.passes, s.failures)' "$PWD/$out/$group.json")
  else
    echo "$group: mocha ended without a summary (exit $status); see $out/$group.log" >&2
    p=0
    f=1
  fi
  [ "$status" -eq 0 ] || [ "$f" -gt 0 ] || f=1 # a non-zero exit with no failed test is a failure too
  printf '%-8s %7s %7s %9s\n' "$group" "$p" "$f" "$secs"
  passes=$((passes + p))
  failures=$((failures + f))
done
echo
# Coverage (the whole run): c8 reads what every covered process left, and checks the floors of
# .c8rc.json twice, on the unit group alone (the in-process tests must clear them by themselves) and on
# every group together (the HTML report, var/coverage/index.html). Failing a floor counts as one failure.
if [ "$mode" = all ]; then
  echo "coverage of the unit group alone:"
  if ! node_modules/.bin/c8 report --temp-directory var/coverage/unit --report-dir var/coverage/unit-report \
    --reporter text-summary; then
    echo "the unit group alone is under the floors in .c8rc.json (see above)"
    failures=$((failures + 1))
  fi
  echo "coverage of every group together:"
  mkdir -p var/coverage/tmp
  cp var/coverage/unit/*.json var/coverage/tmp/
  if ! node_modules/.bin/c8 report; then
    echo "coverage is under the floors in .c8rc.json (see above)"
    failures=$((failures + 1))
  fi
fi
echo "wall time: $(seconds_since "$started") s"
echo "$passes passed, $failures failed"
[ "$failures" -eq 0 ]
