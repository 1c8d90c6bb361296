#!/bin/sh
# analyzers-quality.sh - ARI/NMI of estimator x clustering configurations
# against the planted groups of `taskmap synth` data, with k given and --k auto.
# Usage: bench/analyzers-quality.sh BUILD_DIR [WORK_DIR]  (prints TSV rows)
# Environment (space-separated lists; defaults: every estimator x method):
#   ESTIMATORS  e.g. "predictions-epochwise"
#   CLUSTERS    e.g. "agglomerative-average spectral-average"
#   SEEDS       default "1 2 3"
#   CASES       default: the five cases below
# A database already in WORK_DIR is reused (the training is deterministic in
# the seed), so several configurations can be scored on the same runs.
# Training uses --lr 0.01: at the default 0.001 x 10 epochs the MLP barely
# leaves the base rate on these sizes and the data maps carry little signal.
set -eu
build=$1
work=${2:-$(mktemp -d)}
taskmap=$build/cli/taskmap
estimators=${ESTIMATORS:-"datamap-stg datamap labels predictions predictions-epochwise"}
clusters=${CLUSTERS:-"kmeans fuzzy-stg fuzzy agglomerative-average agglomerative-complete agglomerative-ward spectral spectral-average"}
seeds=${SEEDS:-"1 2 3"}
cases=${CASES:-"latent-4x4 latent-4x4-missing40 hierarchy-4x4 hierarchy-4x4-missing40 hierarchy-20x5"}
mkdir -p "$work"
printf 'case\tseed\testimator\tcluster\tk\tk_found\tari\tnmi\n'
for case in $cases; do
	case $case in
	latent-4x4) opts="--structure latent --groups 4 --tasks-per-group 4"; k=4 ;;
	hierarchy-4x4) opts="--structure hierarchy --groups 4 --tasks-per-group 4"; k=4 ;;
	hierarchy-20x5) opts="--structure hierarchy --groups 20 --tasks-per-group 5 --samples 4000"; k=20 ;;
	latent-4x4-missing40) opts="--structure latent --groups 4 --tasks-per-group 4 --missing 0.4"; k=4 ;;
	hierarchy-4x4-missing40) opts="--structure hierarchy --groups 4 --tasks-per-group 4 --missing 0.4"; k=4 ;;
	*) echo "unknown case $case" >&2; exit 2 ;;
	esac
	for seed in $seeds; do
		base=$work/$case-$seed
		if [ ! -s "$base.db" ] || [ ! -s "$base.truth.json" ]; then
			rm -f "$base.db"
			$taskmap synth $opts --seed "$seed" --out "$base.arff" >/dev/null
			$taskmap train "$base.arff" --db "$base.db" --lr 0.01 --seed "$seed" -q >/dev/null
		fi
		for estimator in $estimators; do
			for cluster in $clusters; do
				for kk in $k auto; do
					$taskmap analyze --db "$base.db" --relatedness $estimator --cluster $cluster \
						--k $kk --bootstrap 0 --datamap-points 0 -q >/dev/null
					$taskmap recommend --db "$base.db" --format json >"$base.json"
					found=$(sed -n 's/^  "k": \([0-9]*\),/\1/p' "$base.json")
					score=$("$build/bench/score-grouping" "$base.truth.json" "$base.json")
					printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$case" "$seed" "$estimator" "$cluster" \
						"$kk" "$found" "$(echo "$score" | tr ' ' '\t')"
				done
			done
		done
	done
done
