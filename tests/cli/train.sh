#!/usr/bin/env bash
# End-to-end checks of `taskmap train`: help with defaults, bad options
# rejected with exit 2, a run that trains and records, Ctrl-C (SIGINT) that
# leaves a resumable run, and resume to the same recording as a whole run.
set -u
. "$(dirname "$0")/lib.sh"

cd "$work" || exit 1
check synth 0 $T synth --out s.arff --samples 600 --seed 4
check help 0 $T train --help
contains help-epochs-default "$work/out" "--epochs N           epochs (default 10)"
contains help-weighting "$work/out" "dwa, dtb or file:PATH"
check negative-epochs 2 $T train s.arff --epochs -3
check hidden-abc 2 $T train s.arff --hidden abc
contains hidden-abc-message "$work/err" "--hidden expects"
check hidden-trailing-comma 2 $T train s.arff --hidden 64,
check batch-too-large 2 $T train s.arff --batch 5000
contains batch-message "$work/err" "larger than the training split"
check bad-optimizer 2 $T train s.arff --optimizer rmsprop
check bad-weighting 2 $T train s.arff --weighting magic
check no-data 2 $T train
check resume-with-data 2 $T train s.arff --resume x
[ ! -e taskmap.db ] && echo "ok   bad-options-write-nothing" ||
	{ echo "FAIL bad options created a database"; failures=$((failures + 1)); }

check train 0 $T -q train s.arff --run whole --epochs 4 --hidden 16 --batch 32
contains train-prints-run "$work/out" "whole"
check runs 0 $T runs
contains run-done "$work/out" "done"
check missing-weights-file 1 $T -q train s.arff --run w --weighting file:nope.txt

# stop_after_first_epoch SIGNAL NAME: start a run, send SIGNAL as soon as the
# progress line of epoch 1 appears (polled every 2 ms: cheaper and quicker
# than asking the database, so the signal lands well before the last epoch
# even on a fast machine; hidden 128 makes an epoch take tens of ms, ~18 ms
# with the vectorised trainer, and 12 epochs leave 9 (~160 ms) after the
# latest line a kill waits for, epoch 3's, for a polling loop slowed by a
# busy machine: with 5 epochs a run sometimes finished before its kill)
big="--epochs 12 --hidden 128 --batch 16 --threads 1"
stop_after_first_epoch() {
	$T train big.arff --run "$2" $big >/dev/null 2>"$work/$2.err" &
	local pid=$!
	for _ in $(seq 1 5000); do
		grep -q "^epoch: 1/" "$work/$2.err" 2>/dev/null && break
		sleep 0.002
	done
	kill "-$1" $pid 2>/dev/null
	wait $pid
	echo $?
}

# same_dynamics NAME: every BLOB of run NAME equals the one of run 'bigwhole'
same_dynamics() {
	local same total
	same=$(sqlite3 taskmap.db "SELECT count(*) FROM dynamics a JOIN dynamics b
		ON a.task_index = b.task_index AND a.epoch = b.epoch AND a.probabilities = b.probabilities
		WHERE a.run_id = (SELECT id FROM runs WHERE name='bigwhole')
		  AND b.run_id = (SELECT id FROM runs WHERE name='$1')")
	total=$(sqlite3 taskmap.db "SELECT count(*) FROM dynamics
		WHERE run_id = (SELECT id FROM runs WHERE name='bigwhole')")
	if [ "$same" = "$total" ] && [ "$total" -gt 0 ]; then echo "ok   $1-same-dynamics"
	else echo "FAIL $1-same-dynamics: $same of $total BLOBs equal"; failures=$((failures + 1)); fi
}

check synth-big 0 $T synth --out big.arff --samples 8000 --features 64 --seed 5
check train-big 0 $T -q train big.arff --run bigwhole $big

# Ctrl-C: stops at the end of a batch, exit 1, says how to resume, run interrupted
status=$(stop_after_first_epoch INT cut)
if [ "$status" = 1 ] && grep -q "train --resume" "$work/cut.err"; then
	echo "ok   sigint-stops"
	check status-interrupted 0 sqlite3 taskmap.db "SELECT status FROM runs WHERE name='cut'"
	contains status-interrupted-text "$work/out" "interrupted"
	check resume 0 $T -q train --resume cut
else
	echo "FAIL sigint: exit $status"; cat "$work/cut.err"; failures=$((failures + 1))
fi
same_dynamics cut

# kill -9: the database stays intact, the run is found dead, and resumes
status=$(stop_after_first_epoch KILL killed)
check integrity-after-kill 0 sqlite3 taskmap.db "PRAGMA integrity_check"
contains integrity-after-kill-ok "$work/out" "ok"
check resume-killed 0 $T -q train --resume killed
same_dynamics killed
check killed-done 0 sqlite3 taskmap.db "SELECT status FROM runs WHERE name='killed'"
contains killed-done-text "$work/out" "done"

# kill -9 while commits are in flight: an epoch's line is printed as it goes
# to a writer thread; the hand-over waited for the previous epoch's inserts,
# and that writer for the commit before, so killing as the line for epoch N
# appears lands in or near the commits of epochs N - 1 and N. The epochs
# before N - 1 must be committed, the file intact, the resume identical.
for n in 1 2 4; do
	$T train big.arff --run "inflight$n" $big >/dev/null 2>"$work/inflight.err" &
	pid=$!
	for _ in $(seq 1 4000); do
		[ "$(grep -c "^epoch: $n/" "$work/inflight.err")" -ge 1 ] && break
		sleep 0.002
	done
	kill -KILL $pid 2>/dev/null
	wait $pid
	done_epochs=$(sqlite3 taskmap.db "SELECT epochs_done FROM runs WHERE name='inflight$n'")
	if [ "$n" -lt 3 ]; then : # no epoch before N - 1 to require
	elif [ "${done_epochs:-0}" -ge $((n - 2)) ]; then echo "ok   inflight$n-earlier-epochs-committed"
	else echo "FAIL inflight$n: $done_epochs epochs committed"; failures=$((failures + 1)); fi
	check "inflight$n-integrity" 0 sqlite3 taskmap.db "PRAGMA integrity_check"
	contains "inflight$n-integrity-ok" "$work/out" "ok"
	check "inflight$n-resume" 0 $T -q train --resume "inflight$n"
	same_dynamics "inflight$n"
done
check resume-done 2 $T train --resume cut
check integrity 0 sqlite3 taskmap.db "PRAGMA integrity_check"
contains integrity-ok "$work/out" "ok"
finish
