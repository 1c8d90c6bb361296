#!/usr/bin/env bash
# End-to-end checks of the taskmap program's contract: help, version, exit
# codes, errors on stderr, untouched non-database files, reported write errors.
set -u
. "$(dirname "$0")/lib.sh"


check help 0 $T --help
contains help-lists-commands "$work/out" "query"
contains help-lists-exit-codes "$work/out" "3  invalid input data"
check version 0 $T --version
contains version-text "$work/out" "taskmap 0."
check no-command 2 $T
check unknown-command 2 $T frobnicate
contains unknown-command-message "$work/err" "'frobnicate' is not a taskmap command"
check unknown-option 2 $T runs --bogus
check command-help 0 $T help query
contains command-help-text "$work/out" "Usage: taskmap query"
check command-dash-help 0 $T runs --help
contains command-dash-help-text "$work/out" "Usage: taskmap runs"
check help-unknown 2 $T help frobnicate

cd "$work" || exit 1
check missing-db 1 $T runs
contains missing-db-message "$work/err" "no database at 'taskmap.db'"
[ ! -e "$work/taskmap.db" ] && echo "ok   reading-creates-nothing" ||
	{ echo "FAIL reading created a database"; failures=$((failures + 1)); }

cp /etc/hostname "$work/hostname"
check not-a-db 1 $T --db "$work/hostname" runs
contains not-a-db-message "$work/err" "not an SQLite database"
cmp -s /etc/hostname "$work/hostname" && echo "ok   not-a-db-untouched" ||
	{ echo "FAIL not-a-db changed"; failures=$((failures + 1)); }
check db-is-directory 1 $T --db "$work" runs
contains db-is-directory-message "$work/err" "it is a directory"
mkfifo "$work/fifo"
check db-is-fifo 1 timeout 5 $T --db "$work/fifo" runs
contains db-is-fifo-message "$work/err" "not a regular file"

if [ -w /dev/full ]; then
	$T --help >/dev/full 2>"$work/err"; status=$?
	[ "$status" -eq 1 ] && grep -q "cannot write the output" "$work/err" &&
		echo "ok   full-disk-reported" ||
		{ echo "FAIL full stdout not reported (exit $status)"; failures=$((failures + 1)); }
fi

finish
