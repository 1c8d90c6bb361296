#!/bin/bash
# evaluate.sh - `taskmap evaluate` end to end on planted-group data: the
# planted grouping beats random groupings of the same shape (Δm) on both
# synthetic structures; bad grouping files are refused with exit 3 and a
# message naming the problem; a task left out is trained alone and said so;
# the same seeds give identical numbers; results land in the database.
. "$(dirname "$0")/lib.sh"

# delta COLUMN-OF-LABEL FILE LABEL : the delta_m_pct of row LABEL in CSV FILE
delta() {
	awk -F, -v label="$2" 'NR > 1 && $1 == label { print $7 }' "$1"
}

for structure in latent hierarchy; do
	db=$work/$structure.db
	check "synth $structure" 0 $T synth --structure $structure --out "$work/$structure.arff" --seed 5
	check "train $structure" 0 $T train "$work/$structure.arff" --test-fraction 0.3 --epochs 30 \
		--db "$db" -q
	check "evaluate planted $structure" 0 $T evaluate --db "$db" --run run-1 \
		--grouping-file "$work/$structure.truth.json" --seeds 3 --random 3 --format csv -q
	cp "$work/out" "$work/$structure.csv"
	planted=$(delta "$work/$structure.csv" "$structure.truth.json")
	random=$(delta "$work/$structure.csv" "random (mean)")
	if awk -v p="$planted" -v r="$random" 'BEGIN { exit !(p > r) }'; then
		echo "ok   $structure: planted dm $planted > mean random dm $random"
	else
		echo "FAIL $structure: planted dm $planted <= mean random dm $random"
		failures=$((failures + 1))
	fi
done

db=$work/latent.db
contains "stored evaluations" <($T query --db "$db" \
	"SELECT 'n=' || count(*) FROM evaluations WHERE kind = 'random'") "n=3"
contains "stored results" <($T query --db "$db" \
	"SELECT 'n=' || count(*) FROM evaluation_results r JOIN evaluations e ON e.id = r.evaluation_id
	 WHERE e.kind = 'single-task'") "n=48"

# CSV carries every digit: single-task's mean AUC is the stored results' mean
# (over tasks of the mean over seeds), not a 4-decimal rounding of it
stored=$($T query --db "$db" --csv "SELECT avg(m) FROM (SELECT avg(roc_auc) AS m
	FROM evaluation_results WHERE evaluation_id = (SELECT min(id) FROM evaluations
	WHERE kind = 'single-task') GROUP BY task_index)" | tail -n 1)
printed=$(awk -F, '$1 == "single-task" { print $5 }' "$work/latent.csv")
if awk -v s="$stored" -v p="$printed" 'BEGIN { d = s - p; exit !(d < 1e-12 && d > -1e-12) }' &&
	[ "${#printed}" -gt 8 ]; then
	echo "ok   csv mean AUC $printed = stored $stored"
else
	echo "FAIL csv mean AUC $printed, stored $stored"
	failures=$((failures + 1))
fi

# determinism: the same seeds give the same numbers (seconds aside)
check "evaluate again" 0 $T evaluate --db "$db" --run run-1 \
	--grouping-file "$work/latent.truth.json" --seeds 3 --random 3 --format csv -q
if diff <(cut -d, -f1-11 "$work/latent.csv") <(cut -d, -f1-11 "$work/out") >/dev/null; then
	echo "ok   same seeds, same numbers"
else
	echo "FAIL same seeds gave different numbers"
	failures=$((failures + 1))
fi

# bad grouping files: exit 3 with a clear message
printf '{"groups": [{"tasks": ["task_00", "nope"]}]}' >"$work/unknown.json"
check "unknown task" 3 $T evaluate --db "$db" --run run-1 --grouping-file "$work/unknown.json" -q
contains "unknown task message" "$work/err" "unknown task 'nope'"
printf '{"groups": [{"tasks": ["task_00", "task_00"]}]}' >"$work/twice.json"
check "repeated task" 3 $T evaluate --db "$db" --run run-1 --grouping-file "$work/twice.json" -q
contains "repeated task message" "$work/err" "task 'task_00' is listed twice"
printf '{"groups": [{"tasks": ["task_00"]}' >"$work/broken.json"
check "malformed JSON" 3 $T evaluate --db "$db" --run run-1 --grouping-file "$work/broken.json" -q
contains "malformed JSON message" "$work/err" "broken.json:1:"
printf '{"groups": []}' >"$work/empty.json"
check "no groups" 3 $T evaluate --db "$db" --run run-1 --grouping-file "$work/empty.json" -q
check "usage: file without run" 2 $T evaluate --db "$db" --grouping-file "$work/empty.json"

# a file that leaves tasks out: they are trained alone, and a note says so
printf '{"groups": [{"tasks": ["task_00", "task_08", "task_10", "task_12"]}]}' >"$work/part.json"
check "partial grouping" 0 $T evaluate --db "$db" --run run-1 --grouping-file "$work/part.json" \
	--seeds 1 --random 1 --no-soft --format json
contains "left-out note" "$work/err" "task 'task_01' is in no group of the grouping: it is trained alone"
contains "partial: 13 groups" "$work/out" '"groups": 13'

# the default: the latest recommendation, with the soft variant from fuzzy-stg
check "analyze" 0 $T analyze --db "$db" --cluster agglomerative-average,fuzzy-stg -q
check "evaluate recommendation" 0 $T evaluate --db "$db" --seeds 1 --random 1 -q
contains "recommended row" "$work/out" "recommended"
contains "soft row" "$work/out" "soft"
check "report with evaluations" 0 $T report --db "$db" --out "$work/report" -q
contains "report table" "$work/report/report.md" "Evaluations"
contains "report plot" "$work/report/evaluations.dat" "recommended"
finish
