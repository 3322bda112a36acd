#!/usr/bin/env bash
# Installs what is needed, builds, and runs every test: the unit and
# end-to-end tests (Release), the same under ASan+UBSan, and each fuzz target
# for FUZZ_SECONDS on its seed corpus. Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
FUZZ_SECONDS=${FUZZ_SECONDS:-20}
export SCITT_VECTORS=${SCITT_VECTORS:-$(cd .. && pwd)/shared/vectors}
if [[ ! -d "$SCITT_VECTORS" ]]; then
  echo "test vectors not found at $SCITT_VECTORS (shared/ must sit beside the checkout)" >&2
  exit 1
fi

bash scripts/setup.sh --test
passed=0
failed=0
totals() {  # "TOTAL FAILED" from a ctest log's summary line; nothing when it has none
  grep -E "tests passed, [0-9]+ tests failed out of [0-9]+" "$1" | tail -1 |
    sed -E 's/.* ([0-9]+) tests failed out of ([0-9]+).*/\2 \1/' || true
}
count() {  # adds a ctest log's totals to the running sums
  local total fail
  read -r total fail <<<"$(totals "$1")"
  if [[ -z $total ]]; then failed=$((failed + 1)); echo "no ctest summary in $1"; return; fi
  passed=$((passed + total - fail))
  failed=$((failed + fail))
}
# Runs a build tree's tests. What fails is run once more, alone: a test that
# then passes counts as passed but is named FLAKY at the end with its first
# output, so it is seen and fixed, not hidden; one that fails again fails.
run_tests() {
  local dir=$1
  rm -f "$dir/ctest-rerun.log"
  ctest --test-dir "$dir" --output-on-failure -j "$(nproc)" 2>&1 | tee "$dir/ctest.log" || true
  count "$dir/ctest.log"
  if grep -q "The following tests FAILED" "$dir/ctest.log"; then
    echo "== $dir: running what failed once more"
    ctest --test-dir "$dir" --rerun-failed --output-on-failure 2>&1 | tee "$dir/ctest-rerun.log" || true
    local total again
    read -r total again <<<"$(totals "$dir/ctest-rerun.log")"
    if [[ -n $total ]]; then
      passed=$((passed + total - again))
      failed=$((failed - (total - again)))
    fi
  fi
}

echo "== Release build and tests"
bash scripts/build.sh release
run_tests build

echo "== ASan+UBSan build and tests"
bash scripts/build.sh asan
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 run_tests build-asan

echo "== Fuzz targets, ${FUZZ_SECONDS}s each"
for fuzzer in build-asan/fuzz/*_fuzzer; do
  name=$(basename "$fuzzer")
  corpus=$(mktemp -d)
  cp -r "fuzz/corpus/$name/." "$corpus/"
  # Real-world inputs from the shared vectors join the seeds at run time.
  if [[ $name == cose_sign1_fuzzer ]]; then
    cp "$SCITT_VECTORS"/receipts/cose-wg/*.cbor "$SCITT_VECTORS"/ccf/payloads/*.cose \
      "$SCITT_VECTORS"/ccf/transparent_statements/*.cose "$corpus/"
  fi
  if "$fuzzer" -max_total_time="$FUZZ_SECONDS" -rss_limit_mb=4096 -print_final_stats=1 "$corpus" >"build-asan/$name.log" 2>&1; then
    echo "fuzz $name: ok ($(grep -m1 -o 'stat::number_of_executed_units: *[0-9]*' "build-asan/$name.log" | grep -o '[0-9]*$') runs)"
    passed=$((passed + 1))
  else
    echo "fuzz $name: FAILED"; tail -40 "build-asan/$name.log"
    failed=$((failed + 1))
  fi
  rm -rf "$corpus"
done

# The CI keeps only the end of this output: name what failed there, with the
# output ctest printed for it, so a failure can be read from the tail alone.
failed_output() {  # the output of test $2 in ctest log $1
  awk -v n="$2" 'index($0, "Test #") && index($0, ": " n " ") {p=1}
    p && s && NR > s && /^ *Start [0-9]+:|^[0-9]+\/[0-9]+ Test +#|tests passed, / {exit}
    p {if (!s) s = NR; print}' "$1" | tail -60
}
failed_names() {  # the tests ctest log $1 (which may not exist) lists as failed
  [[ -f $1 ]] || return 0
  sed -n '/The following tests FAILED/,$p' "$1" | sed -nE 's/^[[:space:]]*[0-9]+ - ([^ ]+) .*/\1/p'
}
for dir in build build-asan; do
  again=$(failed_names "$dir/ctest-rerun.log")
  for name in $(failed_names "$dir/ctest.log"); do
    if grep -qxF "$name" <<<"$again"; then echo "== FAILED in $dir: $name"; else echo "== FLAKY in $dir (passed when run again): $name"; fi
    failed_output "$dir/ctest.log" "$name"
  done
done
echo "$passed passed, $failed failed"
[[ $failed -eq 0 && $passed -gt 0 ]]
