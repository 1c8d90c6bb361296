#!/usr/bin/env bash
# test.sh - set up (scripts/setup.sh, with the test-only packages), then build
# and run the whole test suite twice: a plain build with warnings as errors
# (build-ci/) and an AddressSanitizer + UndefinedBehaviorSanitizer build
# (build-asan/, errors fatal). Prints each Check suite's own summary and ends
# with one line "N passed, N failed, N skipped" over both runs.
set -uo pipefail
cd "$(dirname "$0")/.."

TASKMAP_SETUP_TESTS=1 scripts/setup.sh || { echo "0 passed, 1 failed, 0 skipped"; exit 1; }

configure() { # configure DIR OPTIONS...
	local dir=$1
	shift
	if [ ! -f "$dir/build.ninja" ]; then
		meson setup "$dir" "$@" >/dev/null
	else
		meson configure "$dir" "$@" >/dev/null
	fi
}

status=0
configure build-ci -Dwerror=true -Dbuildtype=debugoptimized || status=1
configure build-asan -Dwerror=true -Dbuildtype=debug -Db_sanitize=address,undefined -Db_lundef=false || status=1
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
for dir in build-ci build-asan; do
	echo "== tests in $dir" >&2
	ninja -C "$dir" >/dev/null || { ninja -C "$dir"; status=1; continue; }
	meson test -C "$dir" --print-errorlogs --num-processes 2 "$@" || status=1
done

python3 - build-ci/meson-logs/testlog.json build-asan/meson-logs/testlog.json <<'PY'
import json, os, sys
passed = failed = skipped = 0
for path in sys.argv[1:]:
    if not os.path.exists(path):
        failed += 1
        continue
    build = path.split("/")[0]
    for line in open(path):
        test = json.loads(line)
        for out in (test.get("stdout") or "").splitlines():
            if "Checks:" in out:
                print(f"{build} {test['name']}: {out.strip()}")
        result = test["result"]
        if result in ("OK", "EXPECTEDFAIL"):
            passed += 1
        elif result == "SKIP":
            skipped += 1
        else:
            failed += 1
print(f"{passed} passed, {failed} failed, {skipped} skipped")
PY
exit $status
