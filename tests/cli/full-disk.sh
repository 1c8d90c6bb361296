#!/usr/bin/env bash
# A full disk during train, analyze and report: a clear error (exit 1, the
# reason named), the database still valid, the earlier run and its analysis
# intact, the failed run failed or interrupted (and resumable once there is
# room), and no half-written report file. Two ways to fill the disk: a file
# size limit (ulimit -f; taskmap ignores SIGXFSZ and gets EFBIG), always; and
# a 6 MB tmpfs (ENOSPC) when this test may mount one (root in a sandbox).
set -u
. "$(dirname "$0")/lib.sh"

cd "$work" || exit 1
command -v sqlite3 >/dev/null || { echo "skip: no sqlite3 shell"; exit 77; }
export TASKMAP_GNUPLOT=/nonexistent # the .gp and .dat files are enough here, and faster

fail() { echo "FAIL $*"; failures=$((failures + 1)); }
# expect NAME TEXT...: the last command's stderr ($work/err) names one of TEXT
expect() {
	local name=$1
	shift
	for text; do
		grep -qF -- "$text" "$work/err" && { echo "ok   $name: $(tail -n 1 "$work/err")"; return; }
	done
	fail "$name: none of '$*' in:"; cat "$work/err"
}
# intact DB: the file is valid and the early run and its analysis are whole
intact() {
	local db=$1 tag=$2
	check "$tag-integrity" 0 sqlite3 "$db" "PRAGMA integrity_check"
	contains "$tag-integrity-ok" "$work/out" "ok"
	check "$tag-early-intact" 0 sqlite3 "$db" "SELECT r.status, r.epochs_done, count(d.epoch),
		(SELECT count(*) FROM analyses a WHERE a.run_id = r.id)
		FROM runs r JOIN dynamics d ON d.run_id = r.id WHERE r.name = 'early'"
	contains "$tag-early-intact-text" "$work/out" "done|4|36|1"
	check "$tag-recommend" 0 $T --db "$db" recommend --run early --format json
}

# contiguous DB TAG: the big run's recorded epochs are 0 .. epochs_done - 1, no later one (a
# writer thread does not commit an epoch after a failed commit)
contiguous() {
	check "$2-contiguous" 0 sqlite3 "$1" "SELECT CASE WHEN r.epochs_done = count(DISTINCT d.epoch)
		AND coalesce(max(d.epoch), -1) = r.epochs_done - 1 THEN 'epochs contiguous' ELSE 'a gap' END
		FROM runs r LEFT JOIN dynamics d ON d.run_id = r.id WHERE r.name = 'big'"
	contains "$2-contiguous-text" "$work/out" "epochs contiguous"
}

check synth-small 0 $T synth --out small.arff --groups 3 --tasks-per-group 3 --samples 600 --seed 2
check synth-big 0 $T synth --out big.arff --groups 40 --tasks-per-group 10 --samples 3000 --seed 3
check train-early 0 $T -q train small.arff --run early --epochs 4 --hidden 8
check analyze-early 0 $T -q analyze early --bootstrap 5
cp taskmap.db seed.db # an early run with its analysis, in a checkpointed file

# ---- a file size limit (EFBIG) ----
big="--epochs 6 --hidden 16 --batch 64 --threads 1"
check ulimit-train 1 bash -c "ulimit -f 4000 && exec $T -q train big.arff --run big $big"
expect ulimit-train-message "File too large" "disk is full"
intact taskmap.db ulimit-train
contiguous taskmap.db ulimit-train
check ulimit-big-status 0 sqlite3 taskmap.db "SELECT status FROM runs WHERE name = 'big'"
grep -qxE "failed|running" "$work/out" && echo "ok   ulimit-big-failed" ||
	fail "big run stored as $(cat "$work/out")"
check ulimit-big-shown 0 $T runs --format csv
grep -qE ",big,.*,(failed|interrupted)," "$work/out" && echo "ok   ulimit-big-shown-stopped" ||
	fail "big run not shown failed or interrupted"

check ulimit-analyze 1 bash -c "ulimit -f 64 && exec $T -q analyze early --bootstrap 5"
expect ulimit-analyze-message "File too large" "disk is full"
intact taskmap.db ulimit-analyze

check report-whole 0 $T report --run early --out good
cp good/datamaps.dat datamaps.before # 47 KB: the file the limit stops
check ulimit-report 1 bash -c "ulimit -f 40 && exec $T report --run early --out good"
expect ulimit-report-message "File too large"
cmp -s good/datamaps.dat datamaps.before && echo "ok   ulimit-report-kept-the-old-file" ||
	fail "a failed report damaged the earlier datamaps.dat"
check ulimit-report-new 1 bash -c "ulimit -f 40 && exec $T report --run early --out fresh"
ls -A good fresh 2>/dev/null | grep -q '\.tmp$' && fail "temporary report files left behind" ||
	echo "ok   ulimit-report-no-temporary-files"
[ ! -e fresh/datamaps.dat ] && echo "ok   ulimit-report-no-half-file" ||
	fail "a half datamaps.dat was left in fresh/"

# ---- a full file system (ENOSPC) ----
mkdir disk
if mount -t tmpfs -o size=6m tmpfs disk 2>/dev/null; then
	trap 'umount "$work/disk"; rm -rf "$work"' EXIT
	cp seed.db disk/taskmap.db
	db=disk/taskmap.db
	# an analysis with 32 KB left
	avail=$(df --output=avail -k disk | tail -n 1)
	dd if=/dev/zero of=disk/filler bs=1k count=$((avail - 32)) 2>/dev/null
	check enospc-analyze 1 $T -q --db $db analyze early --bootstrap 5
	expect enospc-analyze-message "disk is full"
	intact $db enospc-analyze
	rm disk/filler
	check enospc-train 1 $T -q --db $db train big.arff --run big $big
	expect enospc-train-message "disk is full"
	intact $db enospc-train
	contiguous $db enospc-train
	check enospc-big-shown 0 $T --db $db runs --format csv
	grep -qE ",big,.*,(failed|interrupted)," "$work/out" && echo "ok   enospc-big-shown-stopped" ||
		fail "big run not shown failed or interrupted"
	# the failed epoch's pages were given back: fill the disk again for the report
	dd if=/dev/zero of=disk/filler bs=1k count="$(df --output=avail -k disk | tail -n 1)" 2>/dev/null
	check enospc-report 1 $T --db $db report --run early --out disk/report
	expect enospc-report-message "No space left on device"
	ls -A disk/report | grep -q '\.tmp$' && fail "temporary report files left on the full disk" ||
		echo "ok   enospc-report-no-temporary-files"
	intact $db enospc-all
	# room again: the stopped run resumes to the end
	rm disk/filler
	mount -o remount,size=64m disk
	check enospc-resume 0 $T -q --db $db train --resume big
	check enospc-resumed-done 0 sqlite3 $db "SELECT status, epochs_done FROM runs WHERE name = 'big'"
	contains enospc-resumed-done-text "$work/out" "done|6"
	intact $db enospc-after-resume
else
	echo "note: cannot mount a tmpfs here; the ENOSPC half is skipped (ulimit -f covered)"
fi
finish
