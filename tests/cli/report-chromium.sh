#!/usr/bin/env bash
# The report as a reader sees it: synth, train, analyze and report a small
# run whose task names try to inject HTML, then render index.html in headless
# Chromium and check the screenshot is produced and is not blank. Skipped
# (77) without chromium or gnuplot.
set -u
. "$(dirname "$0")/lib.sh"

chromium=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$chromium" ] || ! command -v gnuplot >/dev/null; then
	echo "skipped: chromium or gnuplot is not installed"
	exit 77
fi
cd "$work" || exit 1
db="$work/results.db"
check synth 0 $T synth --out "$work/data.arff" --groups 3 --tasks-per-group 3 --samples 400
# two tasks named to inject HTML and gnuplot commands
owned="$work/owned"
sed -i -e "s|^@attribute task_00 |@attribute '<script>alert(1)</script>' |" \
	-e "s|^@attribute task_01 |@attribute 'x\"); system(\"touch $owned\"); (\"' |" "$work/data.arff"
check train 0 $T --db "$db" train "$work/data.arff" --epochs 6
check analyze 0 $T --db "$db" analyze
check report 0 $T --db "$db" report --out "$work/report"
for plot in datamaps relatedness task-map membership training; do
	[ -s "$work/report/$plot.svg" ] && echo "ok   $plot.svg" ||
		{ echo "FAIL $plot.svg missing"; failures=$((failures + 1)); }
done

[ ! -e "$owned" ] && echo "ok   no-command-ran" ||
	{ echo "FAIL a task name ran a command"; failures=$((failures + 1)); }
contains html-escaped "$work/report/index.html" "&lt;script&gt;alert(1)&lt;/script&gt;"
if grep -q "<script" "$work/report/index.html"; then
	echo "FAIL index.html holds a <script> element"; failures=$((failures + 1))
fi

profile=$(mktemp -d)
timeout 120 "$chromium" --headless --no-sandbox --disable-gpu --disable-quic \
	--no-first-run --disable-background-networking --disable-component-update \
	--disable-sync --user-data-dir="$profile" --screenshot="$work/shot.png" \
	--window-size=1280,2400 "file://$work/report/index.html" >"$work/chromium.log" 2>&1
rm -rf "$profile"
size=$(stat -c %s "$work/shot.png" 2>/dev/null || echo 0)
if [ "$size" -gt 60000 ]; then
	echo "ok   screenshot ($size bytes)"
else
	echo "FAIL screenshot missing or blank ($size bytes)"
	tail -5 "$work/chromium.log"
	failures=$((failures + 1))
fi
if [ -n "${TASKMAP_KEEP_SCREENSHOT:-}" ]; then
	cp "$work/shot.png" "$TASKMAP_KEEP_SCREENSHOT"
fi
finish
