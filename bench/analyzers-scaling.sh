#!/bin/sh
# analyzers-scaling.sh - wall time, CPU time and peak RSS of the default
# `taskmap analyze --k auto` against the number of tasks and of samples, on
# `taskmap synth` data (hierarchy, groups of 10 tasks) trained 10 epochs, or
# on a database given by DB=PATH (then only that one).
# Usage: bench/analyzers-scaling.sh BUILD_DIR [WORK_DIR] [REPEATS] [OLD_BUILD_DIR]
# With OLD_BUILD_DIR, every repeat runs the old build then BUILD_DIR, so the two
# share the machine's load (it is shared: compare them within a series).
# Prints TSV: tasks, samples, build, repeat, load average, wall seconds, CPU
# seconds (user + system), peak RSS in MB.
# Analyze runs with the defaults (bootstrap: 10 resamples up to 200 tasks,
# none above), each on a fresh copy of the trained database, synced first so
# that its closing checkpoint does not also write the copy back.
set -eu
build=$1
work=${2:-$(mktemp -d)}
repeats=${3:-3}
old=${4:-}
taskmap=$build/cli/taskmap
mkdir -p "$work"

# time_one LABEL TASKMAP BASE TASKS SAMPLES REPEAT
time_one() {
	cp "$3.db" "$3.run.db"
	sync "$3.run.db"
	load=$(cut -d' ' -f1 /proc/loadavg)
	/usr/bin/time -f '%e %U %S %M' -o "$3.time" "$2" analyze --db "$3.run.db" -q --k auto \
		>/dev/null
	read -r wall user system rss <"$3.time"
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$4" "$5" "$1" "$6" "$load" "$wall" \
		"$(awk "BEGIN { printf \"%.2f\", $user + $system }")" "$((rss / 1024))"
	rm -f "$3.run.db" "$3.run.db-journal"
}

printf 'tasks\tsamples\tbuild\trepeat\tload\twall_s\tcpu_s\tpeak_rss_mb\n'
shapes="100:8000 250:8000 500:8000 1000:8000 250:2000 250:32000"
[ -n "${DB:-}" ] && shapes=db
for shape in $shapes; do
	if [ "$shape" = db ]; then
		base=$work/given
		cp "$DB" "$base.db"
		tasks=$($taskmap --db "$base.db" query --csv \
			"SELECT count(*) FROM tasks WHERE excluded IS NULL" | tail -1)
		samples=$($taskmap --db "$base.db" query --csv \
			"SELECT n_train_samples FROM runs ORDER BY id DESC LIMIT 1" | tail -1)
	else
		tasks=${shape%:*}
		samples=${shape#*:}
		base=$work/scale-$tasks-$samples
		if [ ! -s "$base.db" ]; then
			$taskmap synth --structure hierarchy --groups $((tasks / 10)) \
				--tasks-per-group 10 --samples "$samples" --seed 1 --out "$base.arff" \
				>/dev/null
			$taskmap train "$base.arff" --db "$base.db" --lr 0.01 --seed 1 -q >/dev/null
		fi
	fi
	for r in $(seq "$repeats"); do
		[ -n "$old" ] && time_one old "$old/cli/taskmap" "$base" "$tasks" "$samples" "$r"
		time_one new "$taskmap" "$base" "$tasks" "$samples" "$r"
	done
done
