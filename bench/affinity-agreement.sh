#!/usr/bin/env bash
# Agreement between task-relatedness signals on one dataset: one training
# run recording every gradient affinity, one analysis per estimator (default
# clustering, automatic k), and the adjusted Rand index between each pair of
# recommended groupings. Prints "estimator_a estimator_b ARI k_a k_b".
# Usage: bench/affinity-agreement.sh DATA XML EPOCHS [TRAIN OPTIONS...]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
T=${TASKMAP:-$here/../build/cli/taskmap}
S=${SCORE:-$here/../build/bench/score-grouping}
data=$1 xml=$2 epochs=$3
shift 3
estimators="predictions-epochwise datamap labels tag cosine heads"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$T" -q train "$data" --xml "$xml" --db "$work/t.db" --epochs "$epochs" \
	--affinity tag,cosine,heads "$@" > /dev/null
for est in $estimators; do
	"$T" -q analyze --db "$work/t.db" --relatedness "$est" --bootstrap 0 > /dev/null
	"$T" recommend --db "$work/t.db" --format json > "$work/$est.json"
done
set -- $estimators
while [ $# -gt 1 ]; do
	a=$1
	shift
	for b in "$@"; do
		echo "$a $b $("$S" "$work/$a.json" "$work/$b.json" | cut -d' ' -f1)" \
			"$(jq '.k' "$work/$a.json") $(jq '.k' "$work/$b.json")"
	done
done
