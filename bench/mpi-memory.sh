#!/usr/bin/env bash
# Memory of each rank of `taskmap train` under mpirun against one process:
# per rank, the peak RSS (/usr/bin/time's maximum resident set, which
# includes the reading of the data) and the RSS while training (the largest
# VmRSS sampled every 50 ms from /proc after rank 0 printed its first epoch
# line, when the data is read and every buffer is in use).
# Usage: bench/mpi-memory.sh NAME DATA XML EPOCHS "TRAIN OPTIONS" [RANKS...]
# (XML "-" for none; RANKS default 2). TASKMAP= picks the build (default
# build/cli/taskmap), REPEAT= the repetitions (default 3). Prints a Markdown
# row per (ranks, rank): medians over the repetitions in MB (10^6 bytes),
# with the range.
set -eu
. "$(dirname "$0")/mpi-common.sh"

# sample RUN N: until the job's ranks are gone, the largest VmRSS (kB) of
# each rank after rank 0's first epoch line, into $work/steady.RANK
sample() {
	local run=$1 n=$2 pid rank rss started=0
	for r in $(seq 0 $((n - 1))); do echo 0 > "$work/steady.$r"; done
	while :; do
		[ "$started" = 1 ] || grep -q "^epoch: 1/" "$work/err" 2>/dev/null && started=1
		local alive=0
		for pid in $(pgrep -f -- "--run $run-"); do
			case $(cat "/proc/$pid/comm" 2>/dev/null) in taskmap | taskmap-mpi) ;; *) continue ;; esac
			rank=$(tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null |
				sed -n 's/^OMPI_COMM_WORLD_RANK=//p')
			[ -n "$rank" ] || rank=0
			rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status" 2>/dev/null) || continue
			[ -n "$rss" ] || continue
			alive=1
			if [ "$started" = 1 ] && [ "$rss" -gt "$(cat "$work/steady.$rank")" ]; then
				echo "$rss" > "$work/steady.$rank"
			fi
		done
		if [ "$alive" = 0 ] && [ -e "$work/finished" ]; then break; fi
		sleep 0.05
	done
}

median() { sort -g | awk '{ v[NR] = $1 } END { printf "%d (%d-%d)", v[int((NR + 1) / 2)], v[1], v[NR] }'; }

for r in $(seq "$repeat"); do
	for n in 1 "${ranks[@]}"; do
		db="$work/r.db"; rm -f "$db"* "$work/finished" "$work"/time.*
		run="mem$r-$n"
		sample "$run" "$n" &
		sampler=$!
		if [ "$n" = 1 ]; then
			/usr/bin/time -f %M -o "$work/time.0" "$T" --db "$db" train "$data" "${xml_opt[@]}" \
				--epochs "$epochs" --run "$run-" "${extra[@]}" >/dev/null 2>"$work/err"
		else
			mpirun --oversubscribe -np "$n" sh -c '/usr/bin/time -f %M \
				-o "$0.$OMPI_COMM_WORLD_RANK" "$@"' "$work/time" "$T" --db "$db" train \
				"$data" "${xml_opt[@]}" --epochs "$epochs" --run "$run-" "${extra[@]}" \
				>/dev/null 2>"$work/err"
		fi
		touch "$work/finished"
		wait "$sampler"
		for k in $(seq 0 $((n - 1))); do
			echo "$(tail -n 1 "$work/time.$k")" >> "$work/peak-$n-$k"
			cat "$work/steady.$k" >> "$work/steady-$n-$k"
		done
	done
done
echo "| data | ranks | rank | peak RSS MB | RSS while training MB |"
echo "| --- | --- | --- | --- | --- |"
for n in 1 "${ranks[@]}"; do
	for k in $(seq 0 $((n - 1))); do
		peak=$(awk '{ printf "%d\n", $1 * 1024 / 1e6 }' "$work/peak-$n-$k" | median)
		steady=$(awk '{ printf "%d\n", $1 * 1024 / 1e6 }' "$work/steady-$n-$k" | median)
		echo "| $name | $n | $k | $peak | $steady |"
	done
done
