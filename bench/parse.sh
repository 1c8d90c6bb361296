#!/usr/bin/env bash
# parse.sh - parse throughput of the readers (bench/RESULTS.md, "Datasets").
# Decompresses scene, delicious and IMDB once into a temporary directory,
# then measures in one run: `xz -dc`/`bzip2 -dc` of the compressed file, and
# bench-parse (taskmap's reader vs plain reading of the same bytes).
# Usage: bench/parse.sh [BUILD_DIR] [REPS]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
reps=${2:-7}
data=${TASKMAP_SHARED_DATA:-$root/../shared/data}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

xz -dc "$data/scene/scene-train.arff.xz" > "$tmp/scene-train.arff"
xz -dc "$data/delicious/delicious-train.arff.xz" > "$tmp/delicious-train.arff"
bzip2 -dc "$data/imdb/Imdb.arff.bz2" > "$tmp/Imdb.arff"

median_time() { # median_time REPS COMMAND... : median wall seconds
	local times=()
	for _ in $(seq "$1"); do
		local start end
		start=$(date +%s.%N)
		"${@:2}" > /dev/null
		end=$(date +%s.%N)
		times+=("$(echo "$end - $start" | bc -l)")
	done
	printf '%s\n' "${times[@]}" | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'
}

echo "decompression (median of $reps):"
echo "  xz -dc scene-train.arff.xz     $(median_time "$reps" xz -dc "$data/scene/scene-train.arff.xz") s"
echo "  xz -dc delicious-train.arff.xz $(median_time "$reps" xz -dc "$data/delicious/delicious-train.arff.xz") s"
echo "  bzip2 -dc Imdb.arff.bz2        $(median_time "$reps" bzip2 -dc "$data/imdb/Imdb.arff.bz2") s"
echo "parsing uncompressed text (median of $reps):"
"$build/bench/bench-parse" "$reps" \
	"$tmp/scene-train.arff" --xml "$data/scene/scene.xml" \
	"$tmp/delicious-train.arff" --xml "$data/delicious/delicious.xml" \
	"$tmp/Imdb.arff"
echo "parsing the compressed files directly (median of $reps):"
"$build/bench/bench-parse" "$reps" \
	"$data/scene/scene-train.arff.xz" --xml "$data/scene/scene.xml" \
	"$data/delicious/delicious-train.arff.xz" --xml "$data/delicious/delicious.xml"
