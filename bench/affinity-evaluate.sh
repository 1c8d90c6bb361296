#!/usr/bin/env bash
# Which signal's grouping trains best: one training run per dataset recording
# every gradient affinity, then per estimator one `analyze --relatedness EST`
# (default clustering, automatic k) and one `evaluate` of its recommended
# grouping (SEEDS seeds, no random groupings, no soft variant). Datasets:
# scene and yeast from ../shared/data (their own test files) and a planted
# synth problem (latent, 4 groups x 4 tasks). Prints one line per
# evaluation: "data estimator k auc auc_sd delta_m_pct negative_transfer ari"
# (ari: against the planted truth, synth only, else "-"), the single-task and
# all-in-one baselines once per dataset (estimator "single-task",
# "all-in-one"). Usage: bench/affinity-evaluate.sh [EPOCHS [SEEDS]]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
T=${TASKMAP:-$here/../build/cli/taskmap}
S=${SCORE:-$here/../build/bench/score-grouping}
data=${DATA:-$here/../../shared/data}
epochs=${1:-20} seeds=${2:-3}
estimators="datamap predictions-epochwise labels tag cosine heads"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# row NAME EVALUATION ESTIMATOR K ARI - one line from evaluate's JSON in $work/e.json
row() {
	jq -r --arg e "$2" --arg est "$3" --arg k "$4" --arg ari "$5" --arg d "$1" \
		'def r(p): if . == null then "-" else (. * p | round / p) end;
		 .[] | select(.evaluation == $e) |
		 "\($d) \($est) \($k) \(.roc_auc | r(10000)) \(.roc_auc_sd | r(10000)) " +
		 "\(.delta_m_pct | r(100)) \(.negative_transfer // "-") \($ari)"' "$work/e.json"
}

# study NAME TRUTH TRAIN-ARGS... - train once, analyze and evaluate per estimator
study() {
	local name=$1 truth=$2 db=$work/$1.db
	shift 2
	"$T" -q train "$@" --db "$db" --epochs "$epochs" --lr 0.01 --seed 1 \
		--affinity tag,cosine,heads --affinity-every 2 > /dev/null
	local first=1
	for est in $estimators; do
		"$T" -q analyze --db "$db" --relatedness "$est" --bootstrap 0 > /dev/null
		"$T" recommend --db "$db" --format json > "$work/g.json"
		local k ari=-
		k=$(jq '.k' "$work/g.json")
		[ "$truth" != - ] && ari=$("$S" "$truth" "$work/g.json" | cut -d' ' -f1)
		"$T" -q evaluate --db "$db" --seeds "$seeds" --random 0 --no-soft \
			--format json > "$work/e.json"
		if [ $first = 1 ]; then
			row "$name" single-task single-task "$(jq '.[0].groups' "$work/e.json")" -
			row "$name" all-in-one all-in-one 1 -
			first=0
		fi
		row "$name" recommended "$est" "$k" "$ari"
	done
}

study scene - "$data/scene/scene-train.arff.xz" --xml "$data/scene/scene.xml" \
	--test "$data/scene/scene-test.arff.xz"
study yeast - "$data/yeast/yeast-train.arff.xz" --xml "$data/yeast/yeast.xml" \
	--test "$data/yeast/yeast-test.arff"
"$T" -q synth --structure latent --groups 4 --tasks-per-group 4 --samples 2000 --seed 1 \
	--out "$work/synth.arff" > /dev/null
study synth "$work/synth.truth.json" "$work/synth.arff"
