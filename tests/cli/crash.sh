#!/usr/bin/env bash
# Crash consistency of `taskmap train`: kill -9 at random moments (delays
# drawn from a fixed seed) of a run with 400 tasks, where each epoch's commit
# (~1.7 MB of dynamics and a checkpoint) is a noticeable part of the time.
# A chain of kills hits one run: train, kill, resume, kill, resume... After
# every kill: the file is intact, every committed epoch is complete and
# equal to the same epoch of an uninterrupted reference run, `taskmap runs`
# shows the run as interrupted; the chain ends with a resume that completes
# with the reference's dynamics, checkpoint and losses. Each kill is logged
# with where it landed: before the run existed, before this process's first
# commit, while a commit was in flight (an epoch's progress line printed,
# its commit not visible), or between commits (training an epoch).
set -u
. "$(dirname "$0")/lib.sh"

cd "$work" || exit 1
command -v sqlite3 >/dev/null || { echo "skip: no sqlite3 shell"; exit 77; }

TRIALS=${CRASH_TRIALS:-24}
KILLS_PER_RUN=3
opts="--epochs 6 --hidden 16 --batch 64 --threads 1 --seed 7"
RANDOM=1009 # fixed seed: the same delays every time (where they land depends on the machine)

now_ms() { echo $(($(date +%s%N) / 1000000)); }
fail() { echo "FAIL $*"; failures=$((failures + 1)); }
q() { sqlite3 taskmap.db "$@"; }

check synth 0 $T synth --out d.arff --groups 40 --tasks-per-group 10 --samples 3000 --seed 3
started=$(now_ms)
check reference 0 $T -q train d.arff --run ref $opts
lifetime=$(($(now_ms) - started))
echo "reference run: ${lifetime} ms"

# intact NAME: committed epochs complete and equal to the reference's; prints epochs_done
intact() {
	local row
	row=$(q "SELECT r.epochs_done,
		(SELECT count(*) FROM epochs e WHERE e.run_id = r.id),
		(SELECT coalesce(max(epoch) + 1, 0) FROM epochs e WHERE e.run_id = r.id),
		(SELECT count(*) FROM dynamics d WHERE d.run_id = r.id),
		(SELECT count(*) FROM dynamics d WHERE d.run_id = r.id
		   AND length(d.probabilities) <> 2 * r.n_train_samples),
		(SELECT count(*) FROM task_metrics m WHERE m.run_id = r.id),
		(SELECT coalesce(max(epoch) + 1, 0) FROM checkpoints c WHERE c.run_id = r.id),
		(SELECT count(*) FROM dynamics a JOIN dynamics b
		   ON b.task_index = a.task_index AND b.epoch = a.epoch
		   AND b.probabilities = a.probabilities
		   WHERE a.run_id = r.id AND b.run_id = (SELECT id FROM runs WHERE name = 'ref')),
		(SELECT count(*) FROM tasks t WHERE t.run_id = r.id)
		FROM runs r WHERE r.name = '$1'")
	local n_done epochs top dyn bad metrics cp same tasks
	IFS="|" read -r n_done epochs top dyn bad metrics cp same tasks <<<"$row"
	if [ "$epochs" = "$n_done" ] && [ "$top" = "$n_done" ] && [ "$dyn" = $((n_done * tasks)) ] &&
	   [ "$bad" = 0 ] && [ "$metrics" = $((2 * n_done * tasks)) ] && [ "$cp" = "$n_done" ] &&
	   [ "$same" = "$dyn" ] && [ "$tasks" = 400 ]; then
		echo "$n_done"
	else
		echo "broken: $row" >&2
		echo -1
	fi
}

# same_as_reference NAME: the finished run recorded what the reference did
same_as_reference() {
	local diff
	diff=$(q "SELECT (SELECT count(*) FROM dynamics WHERE run_id = b.id)
		- (SELECT count(*) FROM dynamics x JOIN dynamics y
		   ON x.task_index = y.task_index AND x.epoch = y.epoch
		   AND x.probabilities = y.probabilities
		   WHERE x.run_id = a.id AND y.run_id = b.id)
		+ (SELECT count(*) FROM epochs x JOIN epochs y ON x.epoch = y.epoch
		   WHERE x.run_id = a.id AND y.run_id = b.id AND x.train_loss IS NOT y.train_loss)
		+ (SELECT x.parameters IS NOT y.parameters OR x.optimizer IS NOT y.optimizer
		   FROM checkpoints x, checkpoints y WHERE x.run_id = a.id AND y.run_id = b.id)
		+ (a.status <> 'done') + (a.epochs_done <> 6)
		FROM runs a, runs b WHERE a.name = '$1' AND b.name = 'ref'")
	[ "$diff" = 0 ] && echo "ok   $1-resumed-equals-reference" || fail "$1: differs from the reference ($diff)"
}

trials=0 run=0 completed=0
declare -A landed=([no-run-yet]=0 [before-first-commit]=0 [in-commit]=0 [between-commits]=0
	[after-finish]=0)
while [ "$trials" -lt "$TRIALS" ]; do
	run=$((run + 1))
	name="crash$run"
	kills=0
	resuming=0
	finished=0
	while [ "$finished" = 0 ] && [ "$kills" -lt "$KILLS_PER_RUN" ] && [ "$trials" -lt "$TRIALS" ]; do
		before=0
		[ "$resuming" = 1 ] && before=$(q "SELECT epochs_done FROM runs WHERE name = '$name'")
		committed=none
		if [ $((trials % 2)) = 0 ]; then # anywhere in the process's life
			delay=$((RANDOM * lifetime / 32768)) aim=0
		else # shortly after the progress line of its aim-th epoch: its commit is in flight
			delay=$((RANDOM * lifetime / 40 / 32768)) aim=$((1 + RANDOM % (6 - before)))
		fi
		# stderr through a FIFO: the shell sees each progress line the moment it is written
		rm -f progress.fifo
		mkfifo progress.fifo
		if [ "$resuming" = 1 ]; then
			$T train --resume "$name" >/dev/null 2>progress.fifo &
		else
			$T train d.arff --run "$name" $opts >/dev/null 2>progress.fifo &
		fi
		pid=$!
		exec 3<progress.fifo
		: >progress.err
		lines=0
		while [ "$lines" -lt "$aim" ] && IFS= read -r -u 3 line; do
			echo "$line" >>progress.err
			case $line in "epoch: "*) lines=$((lines + 1)) ;; esac
		done
		sleep "$(printf '%d.%03d' $((delay / 1000)) $((delay % 1000)))"
		kill -KILL "$pid" 2>/dev/null
		cat <&3 >>progress.err
		exec 3<&-
		{ wait "$pid"; } 2>/dev/null # no "Killed" line from the shell
		status=$?
		if [ "$status" -ne 137 ]; then
			# finished before the kill: fine only if it finished well
			if [ "$status" -eq 0 ]; then
				completed=$((completed + 1))
				finished=1
				same_as_reference "$name"
			else
				fail "$name: exit $status without a kill"; cat progress.err
			fi
			break
		fi
		trials=$((trials + 1))
		kills=$((kills + 1))
		check "kill$trials-integrity" 0 q "PRAGMA integrity_check"
		contains "kill$trials-integrity-ok" "$work/out" "ok"
		exists=$(q "SELECT count(*) FROM runs WHERE name = '$name'")
		if [ "$exists" = 0 ]; then
			where=no-run-yet
			echo "ok   kill$trials-no-half-run"
		else
			resuming=1
			committed=$(intact "$name")
			[ "$committed" -ge 0 ] && echo "ok   kill$trials-committed-epochs-intact" ||
				fail "kill$trials: committed epochs not intact"
			printed=$(sed -n 's|^epoch: \([0-9]*\)/.*|\1|p' progress.err | tail -n 1)
			if [ "$(q "SELECT status FROM runs WHERE name = '$name'")" = done ]; then
				where=after-finish # killed on its way out: nothing to resume
				finished=1
				same_as_reference "$name"
			elif [ -n "$printed" ] && [ "$printed" -gt "$committed" ]; then where=in-commit
			elif [ "$committed" -gt "$before" ]; then where=between-commits
			else where=before-first-commit; fi
			check "kill$trials-runs" 0 $T runs --format csv
			shown=interrupted
			[ "$finished" = 1 ] && shown=done
			if grep -q "^[0-9]*,$name,.*,$shown,$committed/6," "$work/out"; then
				echo "ok   kill$trials-shown-$shown"
			else
				fail "kill$trials: not shown as $shown with $committed/6 epochs"; cat "$work/out"
			fi
		fi
		landed[$where]=$((landed[$where] + 1))
		[ "$aim" -gt 0 ] && delay="$delay ms after epoch line $aim" || delay="$delay ms"
		echo "kill $trials: $name after $delay, $where (epochs committed: ${committed:-none}, before: $before)"
	done
	if [ "$resuming" = 1 ] && [ "$finished" = 0 ]; then
		check "$name-resume" 0 $T -q train --resume "$name"
		same_as_reference "$name"
	fi
done 2> >(grep -v " Killed " >&2) # bash reports each killed job; that is the point here
echo "kills: $trials over $run runs; landed: no-run-yet ${landed[no-run-yet]}," \
	"before-first-commit ${landed[before-first-commit]}, in-commit ${landed[in-commit]}," \
	"between-commits ${landed[between-commits]}, after-finish ${landed[after-finish]};" \
	"processes that finished before the kill: $completed"
[ "${landed[in-commit]}" -gt 0 ] || echo "note: no kill landed in a commit this time"
check integrity 0 q "PRAGMA integrity_check"
contains integrity-ok "$work/out" "ok"
finish
