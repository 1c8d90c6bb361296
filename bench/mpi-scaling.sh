#!/usr/bin/env bash
# Epoch time of `taskmap train` with 1 process and with N ranks under
# mpirun, interleaved in each repetition (the machine is shared: compare
# within a repetition), and the communication volume per step.
# Usage: bench/mpi-scaling.sh NAME DATA XML EPOCHS "TRAIN OPTIONS" [RANKS...]
# Prints a Markdown row per rank count: median training seconds per epoch
# (sum of epochs.seconds over the run, / EPOCHS; reading the data excluded),
# speed-up against 1 process, and bytes each rank sends to the
# allreduces per step (gradients: P floats; normalisers, per-task losses:
# 2T+1 doubles; two ints) and gathers per epoch (its shard of n x T floats).
set -eu
. "$(dirname "$0")/mpi-common.sh"

epoch_seconds() { # DB: mean training seconds per epoch
	sqlite3 "$1" "SELECT sum(seconds) / count(*) FROM epochs"
}
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

for n in 1 "${ranks[@]}"; do : > "$work/times-$n"; done
for r in $(seq "$repeat"); do
	for n in 1 "${ranks[@]}"; do
		db="$work/r$n.db"; rm -f "$db"*
		if [ "$n" = 1 ]; then
			"$T" -q --db "$db" train "$data" "${xml_opt[@]}" --epochs "$epochs" "${extra[@]}" >/dev/null
		else
			mpirun --oversubscribe -np "$n" "$T" -q --db "$db" train "$data" "${xml_opt[@]}" \
				--epochs "$epochs" "${extra[@]}" >/dev/null
		fi
		epoch_seconds "$db" >> "$work/times-$n"
	done
done
# the model's size from the last run: widths features, hidden..., tasks
db="$work/r1.db"
widths=$(sqlite3 "$db" "SELECT d.n_features || ' ' || coalesce((SELECT group_concat(value, ' ')
	FROM json_each(r.config, '$.hidden')), '') || ' ' || d.n_tasks
	FROM runs r JOIN datasets d ON d.id = r.dataset_id LIMIT 1")
n_train=$(sqlite3 "$db" "SELECT n_train_samples FROM runs LIMIT 1")
base=$(median < "$work/times-1")
for n in 1 "${ranks[@]}"; do
	t=$(median < "$work/times-$n")
	awk -v name="$name" -v n="$n" -v t="$t" -v b="$base" -v widths="$widths" -v m="$n_train" '
	BEGIN {
		k = split(widths, w, " ")
		for (l = 1; l < k; l++) P += w[l] * w[l + 1] + w[l + 1]
		T = w[k]
		step = n > 1 ? 4 * P + (2 * T + 1) * 8 + 8 : 0
		gather = n > 1 ? m * T * 4 / n : 0
		printf "| %s | %d | %.3f | %.2fx | %d | %.0f KiB | %.1f MiB |\n",
			name, n, t, b / t, P, step / 1024, gather / 1048576
	}'
done
