#!/usr/bin/env bash
# record-overhead.sh [ROUNDS [EPOCHS]] - the recording overhead as a user meets it: whole
# `taskmap train` processes on delicious (data read included), with recording and with
# `--record none`, alternating, ROUNDS pairs (default 9). Before each timed run the previous
# database is removed and `sync` lets the file system free its blocks, so no run pays for
# the one before. Prints, per binary, the medians, their ratio and the paired ratios' median
# and range.
# TASKMAP: the binary (default build/cli/taskmap), or several separated by spaces (builds to
# compare: each round runs every one, so they share the machine's mood); TASKMAP_DATA: the
# data directory.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
data=${TASKMAP_DATA:-$root/../shared/data}
read -r -a binaries <<<"${TASKMAP:-$root/build/cli/taskmap}"
rounds=${1:-9}
epochs=${2:-10}
for taskmap in "${binaries[@]}"; do
	[ -x "$taskmap" ] || { echo "needs $taskmap" >&2; exit 77; }
done
[ -d "$data/delicious" ] || { echo "needs $data/delicious" >&2; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
seconds() { date +%s.%N; }

for _ in $(seq 1 "$rounds"); do
	for b in "${!binaries[@]}"; do
		for mode in with without; do
			rm -f "$work/db" "$work/db-journal" "$work/db-wal" "$work/db-shm" "$work/db.trainers"
			sync
			extra=()
			[ "$mode" = without ] && extra=(--record none)
			start=$(seconds)
			"${binaries[$b]}" -q train "$data/delicious/delicious-train.arff.xz" \
				--xml "$data/delicious/delicious.xml" --epochs "$epochs" --db "$work/db" \
				"${extra[@]}" >/dev/null
			awk -v end="$(seconds)" -v start="$start" 'BEGIN { print end - start }' >>"$work/$b.$mode"
		done
	done
done
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); $rounds pairs, $epochs epochs"
for b in "${!binaries[@]}"; do
	paste "$work/$b.with" "$work/$b.without" | awk '{ printf "%.4f\n", $1 / $2 }' | sort -g >"$work/ratios"
	with=$(median <"$work/$b.with")
	without=$(median <"$work/$b.without")
	[ "${#binaries[@]}" -gt 1 ] && echo "${binaries[$b]}:"
	awk -v w="$with" -v n="$without" -v p="$(median <"$work/ratios")" \
		-v lo="$(head -n 1 "$work/ratios")" -v hi="$(tail -n 1 "$work/ratios")" 'BEGIN {
		printf "with %.3f s | without %.3f s | ratio of medians %.3f | paired %.3f (%.3f-%.3f)\n",
		       w, n, w / n, p, lo, hi }'
done
