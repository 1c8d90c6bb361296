#!/usr/bin/env bash
# End-to-end checks of the taskmap program's contract: help, version, exit
# codes, errors on stderr, untouched non-database files, reported write errors,
# every table and column documented, cblas_* resolved to OpenBLAS.
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

# The database is a public interface: every table and column is in docs/schema.md
schema_doc=${TASKMAP_SOURCE_ROOT:?}/docs/schema.md
$T -q synth --out "$work/tiny.arff" --samples 60 --groups 2 --tasks-per-group 2 --features 3 >/dev/null &&
	$T -q --db "$work/schema.db" train "$work/tiny.arff" --epochs 1 --batch 8 >/dev/null
undocumented=""
for table in $($T --db "$work/schema.db" query --csv \
		"SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name" | tr -d '\r' | tail -n +2); do
	grep -qF "\`$table\`" "$schema_doc" || undocumented="$undocumented $table"
	for column in $($T --db "$work/schema.db" query --csv "PRAGMA table_info($table)" |
			tr -d '\r' | tail -n +2 | cut -d, -f2); do
		grep -qF -e "\`$column\`" -e "\`$table.$column\`" "$schema_doc" ||
			undocumented="$undocumented $table.$column"
	done
done
[ -z "$undocumented" ] && [ -n "${table:-}" ] && echo "ok   schema-documented" ||
	{ echo "FAIL not in docs/schema.md:${undocumented:- (no tables read)}"; failures=$((failures + 1)); }

# -Dblas=openblas (the default): taskmap's and GSL's cblas_* resolve to OpenBLAS
if ldd "$TASKMAP" | grep -q libopenblas; then
	LD_BIND_NOW=1 LD_DEBUG=bindings "$TASKMAP" --version >/dev/null 2>"$work/bindings"
	grep -Eq "taskmap \[0\] to [^ ]*libopenblas[^ ]* \[0\]: normal symbol .cblas_sgemm'" "$work/bindings" &&
		grep -Eq "libgsl[^ ]* \[0\] to [^ ]*libopenblas[^ ]* \[0\]: normal symbol .cblas_dgemm'" "$work/bindings" &&
		! grep -q "to [^ ]*libgslcblas" "$work/bindings" &&
		echo "ok   cblas-is-openblas" ||
		{ echo "FAIL cblas_* do not all resolve to OpenBLAS"; grep cblas_ "$work/bindings" | head;
		  failures=$((failures + 1)); }
fi

if [ -w /dev/full ]; then
	$T --help >/dev/full 2>"$work/err"; status=$?
	[ "$status" -eq 1 ] && grep -q "cannot write the output" "$work/err" &&
		echo "ok   full-disk-reported" ||
		{ echo "FAIL full stdout not reported (exit $status)"; failures=$((failures + 1)); }
fi

# A database in a directory this user cannot write (shared results on a
# read-only mount): readers work, a writer fails clearly. Needs root to
# become another user; the binary and the copy must be readable by nobody.
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null && command -v sqlite3 >/dev/null; then
	ro=$(mktemp -d /tmp/taskmap-ro.XXXXXX) # not under $work: its mode 700 keeps nobody out
	$T --db "$ro/taskmap.db" -q synth --out "$ro/s.arff" --samples 200 >/dev/null 2>&1
	$T --db "$ro/taskmap.db" -q train "$ro/s.arff" --run shared --epochs 1 >/dev/null 2>&1
	rm -f "$ro/taskmap.db.trainers"
	chmod 755 "$ro" && chmod 644 "$ro/taskmap.db" "$ro/s.arff" && chmod 555 "$ro"
	as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
	before=$(ls -A "$ro")
	if as_nobody test -x "${TASKMAP}"; then
		check readonly-dir-runs 0 as_nobody $T --db "$ro/taskmap.db" runs
		contains readonly-dir-lists "$work/out" "shared"
		check readonly-dir-query 0 as_nobody $T --db "$ro/taskmap.db" query "SELECT name FROM runs"
		check readonly-dir-write-fails 1 as_nobody $T --db "$ro/taskmap.db" -q train "$ro/s.arff" --epochs 1
		[ "$(ls -A "$ro")" = "$before" ] && echo "ok   readonly-dir-left-alone" ||
			{ echo "FAIL a file appeared in the read-only directory"; failures=$((failures + 1)); }
		# a writer died mid-commit: only a process that may write can roll its journal back
		chmod 755 "$ro"
		printf '%s\n' "PRAGMA cache_size = 2;" "BEGIN;" "CREATE TABLE scratch(x);" \
			"WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 64)
			 INSERT INTO scratch SELECT zeroblob(65536) FROM c;" '.system kill -KILL $PPID' |
			sqlite3 "$ro/taskmap.db" >/dev/null 2>&1
		chmod 644 "$ro/taskmap.db-journal" && chmod 555 "$ro"
		check readonly-dir-dead-writer 1 as_nobody $T --db "$ro/taskmap.db" runs
		contains readonly-dir-dead-writer-says "$work/err" "died mid-commit"
		check readonly-dir-dead-writer-rolled-back 0 $T --db "$ro/taskmap.db" runs
		contains readonly-dir-dead-writer-runs "$work/out" "shared"
		[ ! -e "$ro/taskmap.db-journal" ] && echo "ok   readonly-dir-journal-gone" ||
			{ echo "FAIL the journal is still there"; failures=$((failures + 1)); }
	else
		echo "skip readonly-dir: the binary is not reachable for nobody"
	fi
	chmod 755 "$ro"; rm -rf "$ro"
fi

finish
