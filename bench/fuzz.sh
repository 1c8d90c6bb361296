#!/bin/sh
# bench/fuzz.sh [SECONDS] [TARGET...] - build the libFuzzer harnesses of the
# dataset readers, the importers and evaluate's grouping file (tests/fuzz) in
# build-fuzz/ with clang, ASan and UBSan,
# then fuzz each target for SECONDS (default 60), one at a time in one process,
# and print per target: executions, coverage (libFuzzer's final cov: and
# ft:), corpus size and what was found.
#
# The seed corpus tests/fuzz/corpus/<target>/ is only read; new inputs go to
# build-fuzz/fuzz-corpus/<target>/ (kept between runs, so a second run
# continues), crashes, leaks and timeouts to build-fuzz/fuzz-artifacts/ and
# libFuzzer's log to build-fuzz/fuzz-logs/<target>.log. A finding is fixed in
# the parser and its input kept in tests/data/regress/<target>-<what>.
#
# Environment: BUILD_DIR (default build-fuzz), MAX_LEN (default 4096),
# CC (default clang).
set -eu

seconds=${1:-60}
[ $# -gt 0 ] && shift
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$root/build-fuzz}
max_len=${MAX_LEN:-4096}
targets=${*:-$(cd "$root/tests/fuzz" && ls fuzz-*.c | sed 's/^fuzz-//; s/\.c$//')}

case $seconds in
	''|*[!0-9]*) echo "usage: bench/fuzz.sh [SECONDS] [TARGET...]" >&2; exit 2 ;;
esac

if [ ! -f "$build/build.ninja" ]; then
	CC=${CC:-clang} meson setup "$build" "$root" -Dfuzz=enabled \
		-Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debugoptimized
fi
ninja -C "$build" $(for t in $targets; do printf 'tests/fuzz/fuzz-%s ' "$t"; done)

mkdir -p "$build/fuzz-corpus" "$build/fuzz-artifacts" "$build/fuzz-logs"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

printf '%-11s %7s %10s %8s %8s %7s  %s\n' target seconds executions cov ft corpus result
status=0
for t in $targets; do
	corpus=$build/fuzz-corpus/$t
	log=$build/fuzz-logs/$t.log
	mkdir -p "$corpus"
	dict=
	[ -f "$root/tests/fuzz/$t.dict" ] && dict=-dict=$root/tests/fuzz/$t.dict
	result=ok
	"$build/tests/fuzz/fuzz-$t" "$corpus" "$root/tests/fuzz/corpus/$t" $dict \
		-max_total_time="$seconds" -max_len="$max_len" -timeout=5 \
		-rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$build/fuzz-artifacts/$t-" >"$log" 2>&1 || {
		result="FOUND: $(grep -m1 -E '^(==[0-9]+==ERROR|SUMMARY|.*fuzz oracle failed|.*runtime error|.*ALARM|.*out-of-memory)' "$log" | cut -c1-80) (see $log)"
		status=1
	}
	line=$(grep -E '#[0-9]+.*(DONE|cov:)' "$log" | tail -n 1)
	cov=$(echo "$line" | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
	ft=$(echo "$line" | sed -n 's/.*ft: \([0-9]*\).*/\1/p')
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	printf '%-11s %7s %10s %8s %8s %7s  %s\n' "$t" "$seconds" "${runs:-?}" "${cov:-?}" \
		"${ft:-?}" "$(ls "$corpus" | wc -l)" "$result"
done
exit $status
