#!/usr/bin/env bash
# Error of TAG's estimate against the number of sampled source tasks
# (`train --affinity-sources N`): one run per N with the same seed (the
# source sample has its own RNG stream, so every run trains alike), and the
# relative Frobenius error ||Z_N - Z_all|| / ||Z_all|| of the recorded
# matrix over the entries both runs measured. Prints "N error".
# Usage: bench/affinity-sources.sh DATA XML EPOCHS "N N ..." [TRAIN OPTIONS...]
set -eu
T=${TASKMAP:-$(dirname "$0")/../build/cli/taskmap}
data=$1 xml=$2 epochs=$3 sources=$4
shift 4
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
run() { # run DB N [TRAIN OPTIONS...]
	local db=$1 n=$2
	shift 2
	"$T" -q train "$data" --xml "$xml" --db "$db" --epochs "$epochs" --affinity tag \
		--affinity-every 1 --affinity-sources "$n" "$@" > /dev/null
}
run "$work/all.db" 0 "$@"
for n in $sources; do
	rm -f "$work/n.db"
	run "$work/n.db" "$n" "$@"
	sqlite3 "$work/all.db" "ATTACH '$work/n.db' AS n;
		SELECT $n, printf('%.3f', sqrt(sum((s.value - a.value) * (s.value - a.value)) /
					      sum(a.value * a.value)))
		FROM matrix_entries a
		JOIN matrices am ON am.id = a.matrix_id AND am.estimator = 'tag'
		JOIN n.matrices sm ON sm.estimator = 'tag'
		JOIN n.matrix_entries s ON s.matrix_id = sm.id AND s.task_i = a.task_i
			AND s.task_j = a.task_j
		WHERE a.value IS NOT NULL AND s.value IS NOT NULL;" | tr '|' ' '
done
