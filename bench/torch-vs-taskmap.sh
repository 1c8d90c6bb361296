#!/usr/bin/env bash
# torch-vs-taskmap.sh - issue 4, performance item 3: `taskmap train` against
# the equivalent PyTorch script (bench/torch_baseline.py: same architecture,
# Adam, lr, batch 128, epochs, train-pass recording of every gold-label
# probability each epoch, saved with np.save) side by side in one run, on
# yeast and delicious, with 1 and 2 threads, interleaved repetitions.
#
# Timing: whole processes under /usr/bin/time (wall seconds, peak RSS), so
# reading the data (the .arff.xz) and start-up are included for both; torch
# also prints its own read and train seconds. Each starts after a `sync`. Prints a Markdown table of
# medians and ratios (torch / taskmap).
#
# Usage: bench/torch-vs-taskmap.sh [REPEATS [EPOCHS]]   (defaults 3 and 10;
# THREADS="1" in the environment runs one thread count only, default "1 2")
# Needs: build/cli/taskmap, Debian's python3-torch and python3-numpy
# (/usr/bin/python3), ../shared/data. Exits 77 when one is missing.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
data=${TASKMAP_DATA:-$root/../shared/data}
taskmap=${TASKMAP:-$root/build/cli/taskmap}
python=/usr/bin/python3
repeats=${1:-3}
epochs=${2:-10}
[ -x "$taskmap" ] && [ -d "$data" ] || { echo "needs $taskmap and $data" >&2; exit 77; }
$python -c "import torch, numpy" 2>/dev/null ||
	{ echo "needs python3-torch and python3-numpy (apt-get install python3-torch)" >&2; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# measure TOOL DATASET THREADS: append "seconds kbytes" to $work/TOOL-DATASET-THREADS
measure() {
	local tool=$1 name=$2 threads=$3 arff=$data/$2/$2-train.arff.xz xml=$data/$2/$2.xml
	rm -f "$work/db" "$work/db-journal" "$work/db.trainers" "$work/rec.npy"
	# the previous process's dirty pages (torch's 355 MB .npy on delicious) go to disk
	# now, not during this run, where they would slow this run's fsyncs
	sync
	if [ "$tool" = taskmap ]; then
		/usr/bin/time -f "%e %M" -o "$work/time" "$taskmap" -q train "$arff" --xml "$xml" \
			--epochs "$epochs" --threads "$threads" --db "$work/db" >/dev/null
	else
		/usr/bin/time -f "%e %M" -o "$work/time" $python "$root/bench/torch_baseline.py" \
			"$arff" "$xml" "$work/rec.npy" --epochs "$epochs" --threads "$threads" \
			>>"$work/torch-$name-$threads.log" 2>/dev/null
	fi
	cat "$work/time" >>"$work/$tool-$name-$threads"
}

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "torch $($python -c 'import torch; print(torch.__version__)'), $repeats repeats, $epochs epochs, data read included"
echo
echo "| data | threads | taskmap wall (s) | torch wall (s) | wall ratio | taskmap peak RSS (MB) | torch peak RSS (MB) | RSS ratio |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
for name in yeast delicious; do
	for threads in ${THREADS:-1 2}; do
		for _ in $(seq 1 "$repeats"); do
			measure taskmap "$name" "$threads"
			measure torch "$name" "$threads"
		done
		tw=$(cut -d' ' -f1 "$work/taskmap-$name-$threads" | median)
		pw=$(cut -d' ' -f1 "$work/torch-$name-$threads" | median)
		tm=$(cut -d' ' -f2 "$work/taskmap-$name-$threads" | median)
		pm=$(cut -d' ' -f2 "$work/torch-$name-$threads" | median)
		awk -v n="$name" -v t="$threads" -v tw="$tw" -v pw="$pw" -v tm="$tm" -v pm="$pm" 'BEGIN {
			printf "| %s | %s | %.2f | %.2f | %.1f | %.0f | %.0f | %.1f |\n",
			       n, t, tw, pw, pw / tw, tm / 1024, pm / 1024, pm / tm }'
	done
done
echo
echo "torch's own split of its time (read, train+record+save), last repeat:"
for f in "$work"/torch-*.log; do echo "  $(basename "$f" .log): $(tail -1 "$f")"; done
