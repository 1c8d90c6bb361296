#!/bin/bash
# merge.sh - `taskmap merge` end to end: two databases with real runs
# (synth, train, analyze, evaluate) merge into one whose row counts are the
# sums of theirs, table by table, and whose runs recommend exactly as before
# (ids aside); an existing OUT keeps its runs; a name clash, a non-taskmap
# input, the output given as an input and a missing input are refused with
# nothing written; ids inside JSON columns are the ones merge renumbers.
. "$(dirname "$0")/lib.sh"

check "synth" 0 $T synth --out "$work/s.arff" --seed 7 -q
# A: two trained and analysed runs, one evaluated; B: one run; C: one run (an existing OUT)
check "train a1" 0 $T train "$work/s.arff" --run a1 --test-fraction 0.3 --epochs 4 --db "$work/a.db" -q
check "train a2" 0 $T train "$work/s.arff" --run a2 --epochs 3 --seed 2 --db "$work/a.db" -q
check "train b1" 0 $T train "$work/s.arff" --run b1 --epochs 3 --seed 3 --db "$work/b.db" -q
check "train c1" 0 $T train "$work/s.arff" --run c1 --epochs 2 --db "$work/c.db" -q
for spec in a:a1 a:a2 b:b1 c:c1; do
	check "analyze ${spec#*:}" 0 $T analyze "${spec#*:}" --db "$work/${spec%%:*}.db" -q
done
check "analyze a1 again" 0 $T analyze a1 --db "$work/a.db" --epochs 1:3 --cluster fuzzy-stg,agglomerative-average -q
check "evaluate a1" 0 $T evaluate --db "$work/a.db" --run a1 --seeds 1 --random 1 -q

# counts DB : "table rows" for every table of the schema, sorted
counts() {
	local db=$1 table
	for table in $($T query --csv --db "$db" \
		"SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite%' ORDER BY name" |
		tail -n +2 | tr -d '\r'); do
		echo "$table $($T query --csv --db "$db" "SELECT count(*) FROM $table" | tail -1 | tr -d '\r')"
	done
}
# recommendation DB RUN : the recommendation as JSON, without the ids merge renumbers
recommendation() {
	$T recommend --db "$1" --run "$2" --format json | jq -S 'del(.run_id, .analysis_id, .grouping_id)'
}

for spec in a:a1 a:a2 b:b1 c:c1; do
	recommendation "$work/${spec%%:*}.db" "${spec#*:}" >"$work/before-${spec#*:}.json"
done
counts "$work/a.db" >"$work/a.counts"
counts "$work/b.db" >"$work/b.counts"
counts "$work/c.db" >"$work/c.counts"
contains "A has evaluations" "$work/a.counts" "evaluation_results "
sha_a=$(sha256sum <"$work/a.db")

# merge into a new OUT, then into an existing one
check "merge into new" 0 $T merge "$work/ab.db" "$work/a.db" "$work/b.db"
contains "progress per input" "$work/err" "1/2 $work/a.db: 2 run(s)"
contains "progress, second input" "$work/err" "2/2 $work/b.db: 1 run(s)"
cp "$work/c.db" "$work/out.db"
check "merge into existing" 0 $T merge -q "$work/out.db" "$work/a.db" "$work/b.db"
if [ -s "$work/err" ]; then
	echo "FAIL -q still printed:"; cat "$work/err"; failures=$((failures + 1))
fi
if [ "$(sha256sum <"$work/a.db")" = "$sha_a" ]; then
	echo "ok   inputs are not modified"
else
	echo "FAIL merge modified an input"; failures=$((failures + 1))
fi

# every table's rows add up
for out in ab out; do
	if [ $out = ab ]; then inputs="a b"; else inputs="a b c"; fi
	expected=$(for i in $inputs; do cat "$work/$i.counts"; done |
		awk '{ n[$1] += $2 } END { for (t in n) print t, n[t] }' | sort)
	if diff <(echo "$expected") <(counts "$work/$out.db" | sort) >"$work/diff"; then
		echo "ok   $out: every table's rows add up"
	else
		echo "FAIL $out: row counts differ (expected < > merged):"; cat "$work/diff"
		failures=$((failures + 1))
	fi
done
contains "every table counted" <(counts "$work/out.db") "merge_steps "

# the merged runs recommend as before; C's run is still there
for run in a1 a2 b1 c1; do
	if recommendation "$work/out.db" $run | diff "$work/before-$run.json" - >/dev/null; then
		echo "ok   $run recommends the same after merging"
	else
		echo "FAIL $run recommends differently after merging"; failures=$((failures + 1))
	fi
done
check "report merged run" 0 $T report --db "$work/out.db" --run b1 --out "$work/report" -q
check "analyze merged run" 0 $T analyze a2 --db "$work/out.db" -q
# references point at the renumbered rows (b1 is run 4 in out.db: c1, a1, a2, b1)
contains "ids renumbered" <($T query --csv --db "$work/out.db" \
	"SELECT count(*) FROM runs r JOIN analyses a ON a.run_id = r.id
	 JOIN groupings g ON g.analysis_id = a.id AND g.run_id = r.id WHERE r.name = 'b1' AND r.id = 4") "1"
contains "evaluation recipe id renumbered" <($T query --csv --db "$work/out.db" \
	"SELECT 'recipe ' || r.name FROM evaluations e
	 JOIN runs r ON r.id = json_extract(e.config, '$.recipe_run_id') LIMIT 1") "recipe a1"
# ids stored inside JSON: merge renumbers recipe_run_id; any other *_id key needs store/merge.c
$T query --csv --db "$work/out.db" "SELECT config FROM runs UNION ALL SELECT config FROM analyses
	UNION ALL SELECT params FROM matrices UNION ALL SELECT params FROM groupings
	UNION ALL SELECT groups FROM evaluations UNION ALL SELECT config FROM evaluations" |
	grep -o '"[A-Za-z_]*_id"' | sort -u >"$work/json-ids"
if [ "$(cat "$work/json-ids")" = '"recipe_run_id"' ]; then
	echo "ok   the only id inside JSON is recipe_run_id"
else
	echo "FAIL ids inside JSON that store/merge.c (json_ids) does not renumber:"; cat "$work/json-ids"
	failures=$((failures + 1))
fi

# refusals: nothing written
sha_out=$(sha256sum <"$work/out.db")
check "name in OUT" 3 $T merge "$work/out.db" "$work/b.db"
contains "name in OUT message" "$work/err" "run 'b1' of '$work/b.db' exists already in '$work/out.db'"
check "name in two inputs" 3 $T merge "$work/new.db" "$work/a.db" "$work/ab.db"
contains "two inputs message" "$work/err" "run 'a1' is in both '$work/a.db' and '$work/ab.db'"
if [ ! -e "$work/new.db" ]; then echo "ok   a refused merge creates no OUT"; else
	echo "FAIL a refused merge left $work/new.db"; failures=$((failures + 1)); fi
check "clash after a good input" 3 $T merge "$work/out.db" "$work/c.db"
printf 'not a database at all, just text\n' >"$work/text.db"
check "not SQLite" 1 $T merge "$work/out.db" "$work/text.db"
contains "not SQLite message" "$work/err" "not an SQLite database"
if command -v sqlite3 >/dev/null; then
	sqlite3 "$work/other.db" 'CREATE TABLE notes (x)'
	check "SQLite, not taskmap" 1 $T merge "$work/out.db" "$work/other.db"
	contains "not taskmap message" "$work/err" "not one of taskmap's"
	cp "$work/b.db" "$work/old.db"
	sqlite3 "$work/old.db" 'PRAGMA user_version = 2'
	check "older schema" 1 $T merge "$work/out.db" "$work/old.db"
	contains "older schema message" "$work/err" "open it once with a writing command"
	sqlite3 "$work/old.db" 'PRAGMA user_version = 999'
	check "newer schema" 1 $T merge "$work/out.db" "$work/old.db"
	contains "newer schema message" "$work/err" "upgrade taskmap"
else
	echo "skip non-taskmap, older and newer inputs: no sqlite3 shell"
fi
check "missing input" 1 $T merge "$work/out.db" "$work/nowhere.db"
check "output as input" 2 $T merge "$work/out.db" "$work/out.db"
check "input twice" 2 $T merge "$work/new.db" "$work/b.db" "$work/b.db"
check "no input" 2 $T merge "$work/out.db"
if [ "$(sha256sum <"$work/out.db")" = "$sha_out" ]; then
	echo "ok   refused merges leave OUT byte for byte unchanged"
else
	echo "FAIL a refused merge changed OUT"; failures=$((failures + 1))
fi
# a run left "running" by a process that died is copied as interrupted
if command -v sqlite3 >/dev/null; then
	cp "$work/b.db" "$work/stale.db"
	sqlite3 "$work/stale.db" "UPDATE runs SET name = 'stale', status = 'running', finished_at = NULL, message = NULL"
	check "merge a stale running run" 0 $T merge "$work/out.db" "$work/stale.db"
	contains "stale run note" "$work/err" "stored as interrupted"
	contains "stale run interrupted" <($T query --csv --db "$work/out.db" \
		"SELECT status || ' ' || (finished_at IS NOT NULL) FROM runs WHERE name = 'stale'") "interrupted 1"
fi
check "help" 0 $T merge --help
contains "help text" "$work/out" "Usage: taskmap merge"
finish
