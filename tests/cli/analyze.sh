#!/usr/bin/env bash
# End-to-end checks of `taskmap analyze` and `taskmap recommend`: synth ->
# train -> analyze -> recommend as table, JSON and CSV; the default estimator
# and clustering and the recorded effective bootstrap; and degenerate inputs through the
# CLI (k > T, an empty epoch window, an unknown estimator, a 1-task run, identical and
# constant tasks under every estimator x method: no NaN in any output).
set -u
. "$(dirname "$0")/lib.sh"

cd "$work" || exit 1
check synth 0 $T synth --structure hierarchy --groups 3 --tasks-per-group 3 --samples 600 \
	--seed 2 --out h.arff
check train 0 $T -q train h.arff --epochs 4 --lr 0.01 --seed 2
check help 0 $T analyze --help
contains help-default-estimator "$work/out" "default predictions-epochwise"

check analyze 0 $T -q analyze
contains analyze-default-estimator "$work/out" "predictions-epochwise"
contains analyze-default-cluster "$work/out" "spectral-average"
contains analyze-recommended "$work/out" "recommended"
check config-bootstrap 0 $T query "SELECT json_extract(config, '\$.bootstrap') FROM analyses"
contains config-bootstrap-effective "$work/out" "10"

check recommend-table 0 $T recommend
contains table-group-1 "$work/out" "group"
if grep -q "train-alone" "$work/out" && ! grep -q "\*" "$work/out"; then
	echo "FAIL legend printed without a flagged task"; failures=$((failures + 1))
else
	echo "ok   legend-only-with-flag"
fi
check recommend-json 0 $T recommend --format json
contains json-groups "$work/out" '"groups": ['
contains json-relatedness "$work/out" '"relatedness": "predictions-epochwise"'
contains json-first-group "$work/out" '"group": 1,'
if grep -q '"group": 0,' "$work/out"; then
	echo "FAIL json group numbered from 0"; failures=$((failures + 1))
else
	echo "ok   json-groups-1-based"
fi
check recommend-csv 0 $T recommend --format csv
contains csv-header "$work/out" "group,size,similarity,stability,flags,tasks"
if grep -q "train-alone candidate" "$work/out"; then
	echo "FAIL csv carries the table legend"; failures=$((failures + 1))
else
	echo "ok   csv-no-legend"
fi

# k given, every estimator by name
check k-given 0 $T -q analyze --k 3 --relatedness predictions-epochwise,predictions,datamap,labels,datamap-stg
check k-given-recommend 0 $T recommend --format json
contains k-given-k "$work/out" '"k": 3,'

# a task the bootstrap cannot place (stability 0.42 < 0.5) is marked in every format
check unstable-task 0 $T -q analyze --relatedness datamap-stg --cluster kmeans --k 4 --bootstrap 10
check unstable-table 0 $T recommend
contains unstable-table-mark "$work/out" "task_06!"
contains unstable-table-legend "$work/out" "! unstable task: bootstrap stability below 0.5"
check unstable-csv 0 $T recommend --format csv
contains unstable-csv-mark "$work/out" "task_06!"
check unstable-json 0 $T recommend --format json
contains unstable-json-list "$work/out" '"unstable_tasks": [
    "task_06"
  ]'
contains unstable-json-stability "$work/out" '"task_06": 0.42'

# degenerate inputs: a clear message and exit 2, nothing half-written
before=$($T query "SELECT count(*) FROM analyses")
check k-more-than-tasks 2 $T analyze --k 50
contains k-more-message "$work/err" "more than the 9 analysed tasks"
check empty-window 2 $T analyze --epochs 3:3
contains empty-window-message "$work/err" "empty"
check window-outside 2 $T analyze --epochs 2:9
contains window-outside-message "$work/err" "outside the run's epochs"
check window-before-start 2 $T analyze --epochs -10:
contains window-before-start-given "$work/err" "window -10: (-6:4)"
check unknown-estimator 2 $T analyze --relatedness magic
after=$($T query "SELECT count(*) FROM analyses")
[ "$before" = "$after" ] && echo "ok   failed-analyses-write-nothing" ||
	{ echo "FAIL a failed analysis was stored"; failures=$((failures + 1)); }

# degenerate runs: every estimator x method gives a documented result, no NaN
every="--relatedness predictions-epochwise,predictions,datamap,labels,datamap-stg"
every="$every --cluster spectral-average,kmeans,fuzzy-stg,fuzzy,agglomerative-average"
every="$every,agglomerative-complete,agglomerative-ward,spectral"
no_nan() {
	if grep -qi 'nan' "$work/out"; then
		echo "FAIL $1: NaN in the output"; cat "$work/out"; failures=$((failures + 1))
	else
		echo "ok   $1"
	fi
}
check synth-one 0 $T synth --groups 1 --tasks-per-group 1 --samples 300 --out one.arff
check train-one 0 $T --db one.db -q train one.arff --epochs 2
check analyze-one 0 $T --db one.db -q analyze $every
no_nan analyze-one-finite
check recommend-one 0 $T --db one.db recommend --format json
contains one-task-k1 "$work/out" '"k": 1,'
contains one-task-alone "$work/out" '"train_alone": [
    "task_00"'
no_nan recommend-one-finite
check k-two-one-task 2 $T --db one.db analyze --k 2
# two identical tasks, a constant one (p = 0.7 everywhere) and an unrelated one
awk 'BEGIN { print "sample,task,epoch,p,label"
	for (e = 0; e < 3; e++) for (s = 0; s < 40; s++) {
		v = 0.2 + 0.6 * ((s * 7) % 11) / 10 + 0.01 * e
		printf "s%d,a,%d,%.4f,%d\n", s, e, v, s % 2
		printf "s%d,b,%d,%.4f,%d\n", s, e, v, s % 2
		printf "s%d,c,%d,0.7,%d\n", s, e, (s + 1) % 2
		printf "s%d,d,%d,%.4f,%d\n", s, e, ((s * 13) % 17) / 17, (s / 3) % 2 } }' >degen.csv
check import-degenerate 0 $T --db degen.db import --format csv degen.csv --run degen
check analyze-degenerate 0 $T --db degen.db -q analyze $every --bootstrap 3
no_nan analyze-degenerate-finite
check recommend-degenerate 0 $T --db degen.db recommend --format json
no_nan recommend-degenerate-finite
contains identical-together "$work/out" '"tasks": [
        "a",
        "b"'
finish
