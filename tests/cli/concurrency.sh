#!/usr/bin/env bash
# Readers and a second writer beside a running `taskmap train`: runs,
# tasks, query, recommend, report and analyze of another run, over and over
# while train commits epoch after epoch (a rollback journal: a commit waits
# for the readers of the moment, readers wait out a commit, writers wait for
# each other, all through the busy timeout). Every command must succeed with nothing on
# stderr, and the training run must end as it would alone. A 20-epoch run
# takes a few seconds on a fast, idle build, less than a few reader rounds,
# so when it ends before 6 rounds another one starts (at most 5 writers).
set -u
. "$(dirname "$0")/lib.sh"

cd "$work" || exit 1
command -v sqlite3 >/dev/null || { echo "skip: no sqlite3 shell"; exit 77; }

check synth-small 0 $T synth --out small.arff --groups 3 --tasks-per-group 3 --samples 600 --seed 2
check train-base 0 $T -q train small.arff --run base --epochs 4 --hidden 8
check analyze-base 0 $T -q analyze base --bootstrap 5
check synth-big 0 $T synth --out big.arff --groups 40 --tasks-per-group 10 --samples 3000 --seed 3

writers=0 writer_failures=0 pid=
start_writer() {
	writers=$((writers + 1))
	$T -q train big.arff --run "busy$writers" --epochs 20 --hidden 16 --batch 64 --threads 1 \
		>/dev/null 2>"busy$writers.err" &
	pid=$!
}
end_writer() {
	if ! wait "$pid"; then
		echo "FAIL train busy$writers beside readers"
		cat "busy$writers.err"
		writer_failures=$((writer_failures + 1))
	fi
	pid=
}
start_writer

# reader NAME COMMAND...: must exit 0 with an empty stderr
rounds=0 problems=0
reader() {
	local name=$1
	shift
	# (a report without gnuplot warns, which is not a problem of concurrency)
	if ! "$@" >reader.out 2>reader.err || grep -v -e "^taskmap: note:" -e "warning: gnuplot not found" reader.err | grep -q .; then
		echo "FAIL $name during train (round $rounds): exit $?"
		cat reader.err
		problems=$((problems + 1))
	fi
}
while [ "$rounds" -lt 200 ]; do
	if ! kill -0 "$pid" 2>/dev/null; then
		end_writer
		{ [ "$rounds" -ge 6 ] || [ "$writers" -ge 5 ]; } && break
		start_writer
	fi
	rounds=$((rounds + 1))
	reader runs $T runs
	reader runs-json $T runs --format json
	reader tasks $T tasks base --format csv
	reader query $T query "SELECT count(*) FROM dynamics"
	reader query-busy $T query --csv "SELECT r.epochs_done, count(d.epoch) FROM runs r
		LEFT JOIN dynamics d ON d.run_id = r.id WHERE r.name = 'busy$writers'"
	# a reader sees whole epochs only: 400 tasks' dynamics per committed epoch
	seen=$(tail -n 1 reader.out)
	if [[ $seen =~ ^[0-9]+,[0-9]+$ ]] && [ "${seen#*,}" != $((${seen%,*} * 400)) ]; then
		echo "FAIL reader saw a partial epoch: $seen"
		problems=$((problems + 1))
	fi
	reader query-json $T query --json "SELECT run_id, epoch, train_loss FROM epochs"
	reader recommend $T recommend --run base
	reader recommend-json $T recommend --run base --format json
	[ $((rounds % 4)) = 1 ] && reader report $T report --run base --out "report$rounds"
	[ $((rounds % 4)) = 3 ] && reader analyze $T -q analyze base --bootstrap 5
done
[ -n "$pid" ] && end_writer
echo "readers: $rounds rounds while $writers train run(s) wrote"
[ "$problems" = 0 ] && echo "ok   readers-never-failed" || failures=$((failures + problems))
[ "$rounds" -ge 3 ] && echo "ok   readers-overlapped-train" ||
	{ echo "FAIL only $rounds reader rounds overlapped the training"; failures=$((failures + 1)); }
[ "$writer_failures" = 0 ] && echo "ok   train-beside-readers" || failures=$((failures + writer_failures))
check busy-done 0 sqlite3 taskmap.db "SELECT count(*), sum(status = 'done' AND epochs_done = 20)
	FROM runs WHERE name LIKE 'busy%'"
contains busy-done-text "$work/out" "$writers|$writers"
check integrity 0 sqlite3 taskmap.db "PRAGMA integrity_check"
contains integrity-ok "$work/out" "ok"

# A reader in a directory it cannot write (no journal could be rolled back
# there): reads what is committed.
if [ "$(id -u)" != 0 ]; then
	mkdir ro && cp taskmap.db ro/ && chmod 555 ro
	check read-only-directory 0 $T --db ro/taskmap.db runs
	chmod 755 ro
fi
finish
