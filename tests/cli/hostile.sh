#!/usr/bin/env bash
# Hostile names and paths: task names (ARFF attributes, CSV header) and run
# names with quotes, newlines, backticks, %n, $(...), HTML and gnuplot
# commands go through train, analyze, recommend, tasks, runs and report and
# come out escaped (JSON valid, CSV quoted, tables one line per row, HTML
# escaped) with no injected command run; `query` refuses writes, ATTACH,
# PRAGMA assignments and extensions; a --db symlink to a non-database is
# refused untouched. (Huge LIBSVM dimensions: tests/test-regress.c.)
set -u
. "$(dirname "$0")/lib.sh"

cd "$work" || exit 1
command -v python3 >/dev/null || { echo "skip: python3 (json.tool) missing"; exit 77; }
command -v sqlite3 >/dev/null || { echo "skip: no sqlite3 shell"; exit 77; }
fail() { echo "FAIL $*"; failures=$((failures + 1)); }
json_valid() { # NAME: $work/out is valid JSON
	python3 -m json.tool "$work/out" >/dev/null 2>&1 && echo "ok   $1-valid-json" ||
		{ fail "$1: invalid JSON"; cat "$work/out"; }
}
nothing_ran() {
	if ls "$work" | grep -q pwned; then fail "$1: an injected command ran"; ls "$work"
	else echo "ok   $1-ran-nothing"; fi
}

# 12 labels; each name as written in ARFF (single-quoted, backslash escapes)
arff_names=(
	"'q\"uote'" "'it\\'s'" "'new\\nline'" "'back\`touch pwned1\`tick'" "'%n%s%x'"
	"'\$(touch pwned2)'" "'<script>alert(1)</script>'"
	"'x\\'; system \"touch pwned3\"; \\''" "'a,b;c|d'" "'tab\\there'"
	"'\\\\back\\\\slash'" "'\`touch pwned6\` & \"&amp;\"'"
)
{
	echo "@relation 'hostile: -C -12'"
	for i in 0 1 2 3; do echo "@attribute f$i numeric"; done
	for n in "${arff_names[@]}"; do echo "@attribute $n {0,1}"; done
	echo "@data"
	RANDOM=5
	for _ in $(seq 1 240); do
		row="$((RANDOM % 7 - 3)).5,$((RANDOM % 5 - 2)).25,$((RANDOM % 3)),$((RANDOM % 9 - 4))"
		for _ in "${arff_names[@]}"; do row="$row,$((RANDOM % 2))"; done
		echo "$row"
	done
} >h.arff

run_name='r"un$(touch pwned4)`touch pwned5`%n<b>&'\''; set output "/tmp/x"'
check train 0 $T -q train h.arff --run "$run_name" --epochs 3 --hidden 8
[ "$(cat "$work/out")" = "$run_name" ] && echo "ok   train-prints-the-name" || fail "train printed $(cat "$work/out")"
check run-name-newline 2 $T -q train h.arff --run $'two\nlines' --epochs 1 --hidden 4
contains run-name-newline-message "$work/err" "no control characters"
check run-name-empty 2 $T -q train h.arff --run '' --epochs 1 --hidden 4
check inspect 0 $T inspect h.arff
contains inspect-quote "$work/out" 'q"uote'
contains inspect-backslash "$work/out" '\back\slash'
check analyze 0 $T -q analyze "$run_name" --bootstrap 3
for format in json csv table; do
	check "tasks-$format" 0 $T tasks "$run_name" --format $format
	check "runs-$format" 0 $T runs --format $format
	check "recommend-$format" 0 $T recommend --run "$run_name" --format $format
done
json_round_trip() { # NAME COMMAND...: valid JSON that holds the hostile names unchanged
	local name=$1
	shift
	"$@" --format json >"$work/out" 2>/dev/null
	json_valid "$name"
	python3 - "$work/out" <<'PY' && echo "ok   $name-json-round-trips" || fail "$name: names changed in JSON"
import json, sys
strings = []
def walk(v):
    if isinstance(v, str): strings.append(v)
    elif isinstance(v, list): [walk(x) for x in v]
    elif isinstance(v, dict): [walk(x) for x in v.values()]
walk(json.load(open(sys.argv[1])))
text = "\x00".join(strings)
sys.exit(0 if any(n in text for n in ['q"uote', 'new\nline', '<script>alert(1)</script>',
                                      'r"un$(touch pwned4)`touch pwned5`%n<b>&']) else 1)
PY
}
json_round_trip tasks $T tasks "$run_name"
json_round_trip runs $T runs
json_round_trip recommend $T recommend --run "$run_name"
$T tasks "$run_name" --format json >"$work/out"
python3 - "$work/out" <<'PY' && echo "ok   tasks-json-exact-names" || fail "task names differ in JSON"
import json, sys
names = [t["name"] for t in json.load(open(sys.argv[1]))]
want = ['q"uote', "it's", 'new\nline', 'back`touch pwned1`tick', '%n%s%x', '$(touch pwned2)',
        '<script>alert(1)</script>', 'x\'; system "touch pwned3"; \'', 'a,b;c|d', 'tab\there',
        '\\back\\slash', '`touch pwned6` & "&amp;"']
sys.exit(0 if names == want else print(names) or 1)
PY
$T tasks "$run_name" --format csv >"$work/out"
python3 - "$work/out" <<'PY' && echo "ok   tasks-csv-parses-back" || fail "task names differ in CSV"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
sys.exit(0 if rows[2]["name"] == "new\nline" and rows[8]["name"] == "a,b;c|d"
         and rows[0]["name"] == 'q"uote' and len(rows) == 12 else 1)
PY
# tables: one line per row, control characters shown as '?'
$T tasks "$run_name" >"$work/out"
[ "$(wc -l <"$work/out")" = 13 ] && echo "ok   tasks-table-one-line-per-row" || { fail "tasks table lines"; cat "$work/out"; }
contains tasks-table-newline "$work/out" "new?line"
$T recommend --run "$run_name" >"$work/out"
grep -q $'\t' "$work/out" && fail "a tab in the recommend table" || echo "ok   recommend-table-no-control-characters"
$T runs >"$work/out"
[ "$(wc -l <"$work/out")" = 2 ] && echo "ok   runs-table-one-line-per-row" || { fail "runs table lines"; cat "$work/out"; }

check report 0 $T report --run "$run_name" --out rep
if grep -q "<script>" rep/index.html; then fail "raw <script> in index.html"
else echo "ok   report-html-escaped"; fi
contains report-html-name rep/index.html "&lt;script&gt;alert(1)&lt;/script&gt;"
# every gnuplot script still parses as the report wrote it (a name cannot end a string)
if command -v gnuplot >/dev/null; then
	(cd rep && for gp in *.gp; do gnuplot -e "format='svg'; output='/dev/null'" "$gp" 2>&1; done) >gp.log
	grep -qi "error\|unexpected\|invalid" gp.log && { fail "gnuplot complained"; head gp.log; } ||
		echo "ok   report-gnuplot-scripts-run"
fi
nothing_ran arff

# a CSV dataset whose header carries the names
{
	printf '%s\n' 'x1,x2,"lab ""q""",lab $(touch pwned7),"lab `touch pwned8`","lab <i>,&","lab %n"'
	RANDOM=9
	for _ in $(seq 1 200); do
		printf '%s,%s,%s,%s,%s,%s,%s\n' $((RANDOM % 5)) $((RANDOM % 7)) $((RANDOM % 2)) \
			$((RANDOM % 2)) $((RANDOM % 2)) $((RANDOM % 2)) $((RANDOM % 2))
	done
} >h.csv
check csv-train 0 $T -q train h.csv --label-prefix lab --run csvrun --epochs 2 --hidden 4
check csv-tasks 0 $T tasks csvrun --format json
json_valid csv-tasks
contains csv-task-quote "$work/out" 'lab \"q\"'
contains csv-task-html "$work/out" 'lab <i>,&'
# a newline inside a quoted CSV field is refused clearly (the reader is line-based)
printf '%s\n' 'x1,"lab' 'nl"' '1,0' >nl.csv
check csv-newline-in-header 3 $T -q train nl.csv --label-prefix lab --run nl --epochs 1
contains csv-newline-message "$work/err" "nl.csv:1:"
nothing_ran csv

# query: read-only, whatever the SQL tries
for sql in "DELETE FROM runs" "UPDATE runs SET name = 'x'" "DROP TABLE runs" \
	"INSERT INTO runs(name) VALUES ('x')" "ATTACH DATABASE 'other.db' AS o" \
	"PRAGMA user_version = 7" "PRAGMA journal_mode = DELETE" \
	"SELECT load_extension('/nonexistent')" "CREATE TABLE t(x)" "VACUUM" \
	"SELECT 1; DELETE FROM runs" "CREATE TEMP TABLE t(x)"; do
	$T query "$sql" >/dev/null 2>"$work/err"
	status=$?
	if [ "$status" -ne 0 ] && [ -s "$work/err" ]; then echo "ok   query-refuses: $sql"
	else fail "query ran '$sql' (exit $status)"; fi
done
[ ! -e other.db ] && echo "ok   query-attach-created-nothing" || fail "ATTACH created other.db"
check runs-survive 0 sqlite3 taskmap.db "SELECT count(*), (SELECT user_version FROM pragma_user_version) > 0 FROM runs"
contains runs-survive-count "$work/out" "2|1"

# --db: a symlink to a file that is not a database, a dangling one, one to a directory
cp /etc/hostname not-a-db
ln -s not-a-db link-db
check symlink-not-db 1 $T --db link-db runs
contains symlink-not-db-message "$work/err" "not an SQLite database"
check symlink-not-db-train 1 $T -q --db link-db train h.arff --epochs 1 --hidden 4
cmp -s /etc/hostname not-a-db && [ -L link-db ] && echo "ok   symlink-target-untouched" ||
	fail "the symlink or its target changed"
ln -s "$work" link-dir
check symlink-dir 1 $T --db link-dir runs
contains symlink-dir-message "$work/err" "it is a directory"
ln -s missing.db dangling
check symlink-dangling-read 1 $T --db dangling runs
contains symlink-dangling-read-message "$work/err" "no database at 'dangling'"
nothing_ran all
finish
