# lib.sh - shared by the end-to-end scripts in tests/cli: a scratch directory,
# the taskmap command (run under valgrind in the valgrind test setup), and
# check/contains/finish helpers that count failures.
T=${TASKMAP:?set TASKMAP to the taskmap binary}
if [ -n "${TASKMAP_VALGRIND:-}" ]; then
	T="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite $T"
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0

# check NAME EXPECTED_STATUS COMMAND... : run, keep stdout/stderr in $work/out, $work/err
check() {
	local name=$1 expected=$2
	shift 2
	"$@" >"$work/out" 2>"$work/err"
	local status=$?
	if [ "$status" -ne "$expected" ]; then
		echo "FAIL $name: exit $status, expected $expected"
		cat "$work/err"
		failures=$((failures + 1))
	else
		echo "ok   $name"
	fi
}

# contains NAME FILE TEXT : FILE holds TEXT
contains() {
	if grep -qF -- "$3" "$2"; then
		echo "ok   $1"
	else
		echo "FAIL $1: '$3' not in $2:"
		cat "$2"
		failures=$((failures + 1))
	fi
}

# finish : report and set the exit status
finish() {
	echo "$failures failure(s)"
	[ "$failures" -eq 0 ]
}
