#!/usr/bin/env bash
# Overhead of `train --affinity` as a multiple of plain training time: the
# training seconds of a run (sum of epochs.seconds, i.e. without reading the
# data), best of REPEAT runs per setting. Usage:
#   bench/affinity-cost.sh NAME DATA XML EPOCHS "SETTING;SETTING..."
# where a SETTING is the extra train options, e.g. "--affinity tag --affinity-sources 10".
set -eu
T=${TASKMAP:-$(dirname "$0")/../build/cli/taskmap}
name=$1 data=$2 xml=$3 epochs=$4 settings=$5 repeat=${REPEAT:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
base=
IFS=';' read -ra list <<< "none;$settings"
for setting in "${list[@]}"; do
	best=
	for r in $(seq "$repeat"); do
		db="$work/r.db"; rm -f "$db"
		opts=(); [ "$setting" != none ] && read -ra opts <<< "$setting"
		"$T" -q train "$data" --xml "$xml" --db "$db" --epochs "$epochs" "${opts[@]}" > /dev/null
		s=$(sqlite3 "$db" "SELECT sum(seconds) FROM epochs")
		best=$(awk -v a="${best:-1e9}" -v b="$s" 'BEGIN { print (b < a ? b : a) }')
	done
	[ -z "$base" ] && base=$best
	awk -v n="$name" -v s="$setting" -v t="$best" -v b="$base" \
		'BEGIN { printf "| %s | %s | %.3f | %.2fx |\n", n, s, t, t / b }'
done
