#!/usr/bin/env bash
# Value of the gradient affinities: ARI of each estimator's recommended
# grouping against the planted truth of `taskmap synth` (both structures,
# a few seeds). Prints "structure seed estimator ARI NMI".
# Usage: bench/affinity-value.sh [SEEDS...]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
T=${TASKMAP:-$here/../build/cli/taskmap}
S=${SCORE:-$here/../build/bench/score-grouping}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
for structure in latent hierarchy; do
	for seed in "${@:-1 2 3}"; do
		rm -f t.db
		"$T" -q synth --structure "$structure" --groups 4 --tasks-per-group 4 --samples 2000 \
			--seed "$seed" --out s.arff > /dev/null
		"$T" -q train s.arff --db t.db --epochs 10 --lr 0.01 --seed "$seed" \
			--affinity tag,cosine,heads --affinity-every 5 > /dev/null
		for est in predictions-epochwise datamap labels tag cosine heads; do
			"$T" -q analyze --db t.db --relatedness "$est" > /dev/null
			"$T" recommend --db t.db --format json > g.json
			echo "$structure $seed $est $("$S" s.truth.json g.json)"
		done
	done
done
