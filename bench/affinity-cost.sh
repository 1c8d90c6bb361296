#!/usr/bin/env bash
# Overhead of `train --affinity` as a multiple of plain training time: the
# training seconds of a run (sum of epochs.seconds, i.e. without reading the
# data). REPEAT rounds (default 5); each round runs the plain setting and then
# every SETTING once, so each overhead is a ratio to the plain run of the
# same round. Prints per setting the median seconds, the median of the
# per-round ratios and their range, and the load average before and after.
# Usage:
#   bench/affinity-cost.sh NAME DATA XML EPOCHS "SETTING;SETTING..."
# where a SETTING is the extra train options, e.g. "--affinity tag --affinity-sources 10".
set -eu
T=${TASKMAP:-$(dirname "$0")/../build/cli/taskmap}
name=$1 data=$2 xml=$3 epochs=$4 settings=$5 repeat=${REPEAT:-5}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
IFS=';' read -ra list <<< "none;$settings"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq "$repeat"); do
	for i in "${!list[@]}"; do
		db="$work/r.db"; rm -f "$db"
		opts=(); [ "${list[$i]}" != none ] && read -ra opts <<< "${list[$i]}"
		"$T" -q train "$data" --xml "$xml" --db "$db" --epochs "$epochs" "${opts[@]}" > /dev/null
		echo "$r $i $(sqlite3 "$db" "SELECT sum(seconds) FROM epochs")" >> "$work/times"
	done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
for i in "${!list[@]}"; do
	awk -v i="$i" -v n="$name" -v s="${list[$i]}" '
		function median(a, k,   j, l, t) {
			for (j = 1; j <= k; j++) for (l = j + 1; l <= k; l++)
				if (a[l] < a[j]) { t = a[j]; a[j] = a[l]; a[l] = t }
			return k % 2 ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2
		}
		$2 == 0 { base[$1] = $3 }
		$2 == i { secs[++k] = $3; ratio[k] = $3 / base[$1]
			  lo = (k == 1 || ratio[k] < lo) ? ratio[k] : lo
			  hi = (k == 1 || ratio[k] > hi) ? ratio[k] : hi }
		END { printf "| %s | %s | %.3f | %.2fx | %.2f–%.2f |\n", n, s, median(secs, k),
			     median(ratio, k), lo, hi }' "$work/times"
done
