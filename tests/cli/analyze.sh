#!/usr/bin/env bash
# End-to-end checks of `taskmap analyze` and `taskmap recommend`: synth ->
# train -> analyze -> recommend as table, JSON and CSV; the default estimator
# and clustering and the recorded effective bootstrap; and degenerate inputs through the
# CLI (k > T, an empty epoch window, an unknown estimator).
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

# degenerate inputs: a clear message and exit 2, nothing half-written
before=$($T query "SELECT count(*) FROM analyses")
check k-more-than-tasks 2 $T analyze --k 50
contains k-more-message "$work/err" "more than the 9 analysed tasks"
check empty-window 2 $T analyze --epochs 3:3
contains empty-window-message "$work/err" "empty"
check window-outside 2 $T analyze --epochs 2:9
contains window-outside-message "$work/err" "outside the run's epochs"
check unknown-estimator 2 $T analyze --relatedness magic
after=$($T query "SELECT count(*) FROM analyses")
[ "$before" = "$after" ] && echo "ok   failed-analyses-write-nothing" ||
	{ echo "FAIL a failed analysis was stored"; failures=$((failures + 1)); }
finish
