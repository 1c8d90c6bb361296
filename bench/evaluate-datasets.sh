#!/bin/sh
# evaluate-datasets.sh - train -> analyze -> evaluate on the Mulan benchmarks
# (yeast, scene, emotions, enron, medical, bibtex) with their own train/test
# splits, and print one TSV table of every evaluation (plus the mean random
# grouping) for bench/RESULTS.md. medical's train and test files are swapped
# in the Mulan distribution (see ../shared/data/README.md): we train on
# medical-test.arff (645 rows) and test on medical-train.arff (333 rows).
#
# Usage: bench/evaluate-datasets.sh [TASKMAP] [OUTDIR]
#   TASKMAP defaults to build/cli/taskmap, OUTDIR to a new temporary folder.
#   EPOCHS (default 20), SEEDS (3), RANDOM_DRAWS (3) and CLUSTER (default
#   spectral-average,fuzzy-stg: analyze's default clustering first, then the
#   fuzzy grouping the soft baseline uses) and DATASETS (default: all six,
#   space-separated) come from the environment (not RANDOM, which the shell
#   redefines on every read).
# Exits 77 when ../shared/data is absent.
set -eu

here=$(cd "$(dirname "$0")/.." && pwd)
taskmap=${1:-$here/build/cli/taskmap}
out=${2:-$(mktemp -d)}
data=${TASKMAP_DATA:-$here/../shared/data}
epochs=${EPOCHS:-20}
seeds=${SEEDS:-3}
random=${RANDOM_DRAWS:-3}
cluster=${CLUSTER:-spectral-average,fuzzy-stg}

[ -d "$data" ] || { echo "no shared data at $data" >&2; exit 77; }
mkdir -p "$out"

# dataset train-file test-file
pick() {
	d=$data/$1
	for f in "$d/$2" "$d/$2.xz"; do [ -f "$f" ] && { echo "$f"; return; }; done
	echo "missing $d/$2" >&2; exit 1
}

printf 'dataset\tevaluation\tkind\tgroups\tmodels\troc_auc\troc_auc_sd\tdelta_m_pct\tnegative_transfer\tf1\taccuracy\tparameter_updates\tseconds\ttasks_compared\n'
for name in ${DATASETS:-yeast scene emotions enron medical bibtex}; do
	if [ "$name" = medical ]; then
		train=$(pick medical medical-test.arff); test=$(pick medical medical-train.arff)
	else
		train=$(pick "$name" "$name-train.arff"); test=$(pick "$name" "$name-test.arff")
	fi
	db=$out/$name.db
	rm -f "$db" "$db".*
	start=$(date +%s)
	"$taskmap" train "$train" --test "$test" --xml "$data/$name/$name.xml" \
		--epochs "$epochs" --run "$name" --db "$db" -q >/dev/null
	"$taskmap" analyze "$name" --cluster "$cluster" \
		--db "$db" -q >/dev/null
	"$taskmap" evaluate --run "$name" --seeds "$seeds" --random "$random" --format csv \
		--db "$db" -q >"$out/$name.csv"
	echo "$name: $(( $(date +%s) - start )) s" >&2
	tail -n +2 "$out/$name.csv" | sed "s/^/$name,/" | tr ',' '\t'
done
