#!/bin/sh
# analyzers-scaling.sh - wall time and peak RSS of the default
# `taskmap analyze --k auto` against the number of tasks and of samples, on
# `taskmap synth` data (hierarchy, groups of 10 tasks) trained 10 epochs.
# Usage: bench/analyzers-scaling.sh BUILD_DIR [WORK_DIR] [REPEATS]
# Prints TSV: tasks, samples, repeat, wall seconds, peak RSS in MB.
# Analyze runs with the defaults (bootstrap: 10 resamples up to 200 tasks,
# none above), each on a fresh copy of the trained database.
set -eu
build=$1
work=${2:-$(mktemp -d)}
repeats=${3:-3}
taskmap=$build/cli/taskmap
mkdir -p "$work"
printf 'tasks\tsamples\trepeat\twall_s\tpeak_rss_mb\n'
for shape in 100:8000 250:8000 500:8000 1000:8000 250:2000 250:32000; do
	tasks=${shape%:*}
	samples=${shape#*:}
	base=$work/scale-$tasks-$samples
	if [ ! -s "$base.db" ]; then
		$taskmap synth --structure hierarchy --groups $((tasks / 10)) --tasks-per-group 10 \
			--samples "$samples" --seed 1 --out "$base.arff" >/dev/null
		$taskmap train "$base.arff" --db "$base.db" --lr 0.01 --seed 1 -q >/dev/null
	fi
	for r in $(seq "$repeats"); do
		cp "$base.db" "$base.run.db"
		/usr/bin/time -f '%e %M' -o "$base.time" $taskmap analyze --db "$base.run.db" -q \
			>/dev/null
		read -r wall rss <"$base.time"
		printf '%s\t%s\t%s\t%s\t%s\n' "$tasks" "$samples" "$r" "$wall" "$((rss / 1024))"
		rm -f "$base.run.db"
	done
done
