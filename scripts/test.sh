#!/usr/bin/env bash
# test.sh - set up (scripts/setup.sh), build with warnings as errors, run the
# whole test suite, print each Check suite's own summary and end with one
# line "N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh -Dwerror=true || { echo "0 passed, 1 failed"; exit 1; }
meson test -C build --print-errorlogs --num-processes 2 "$@"
status=$?
python3 - build/meson-logs/testlog.json <<'PY'
import json, sys
passed = failed = skipped = 0
for line in open(sys.argv[1]):
    test = json.loads(line)
    for out in (test.get("stdout") or "").splitlines():
        if "Checks:" in out:
            print(f"{test['name']}: {out.strip()}")
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
