#!/usr/bin/env bash
# End-to-end checks of `taskmap import` and `export`, libtaskmap's example
# and the PyTorch recipe: a trained run exported as npy and csv (and that
# CSV rewritten as cartography's per-task JSON lines) and imported back gives
# bit-identical dynamics and labels and the same analysis (data maps,
# matrices, groupings, recommendation); invalid input exits 3 with
# FILE:LINE and writes nothing; the C example records a run that analyses
# into its two planted groups; examples/pytorch_record.py --synthetic (and
# the real PyTorch loop when torch is installed) imports and analyses.
set -u
. "$(dirname "$0")/lib.sh"

cd "$work" || exit 1
root=${TASKMAP_SOURCE_ROOT:?}

# same_run A B: dynamics BLOBs and label BLOBs of runs A and B all equal
same_run() {
	local same total labels
	same=$(sqlite3 taskmap.db "SELECT count(*) FROM dynamics a JOIN dynamics b
		USING (task_index, epoch) WHERE a.probabilities = b.probabilities
		AND a.run_id = (SELECT id FROM runs WHERE name='$1')
		AND b.run_id = (SELECT id FROM runs WHERE name='$2')")
	total=$(sqlite3 taskmap.db "SELECT count(*) FROM dynamics
		WHERE run_id = (SELECT id FROM runs WHERE name='$1')")
	labels=$(sqlite3 taskmap.db "SELECT count(*) FROM run_labels a JOIN run_labels b
		USING (task_index) WHERE a.labels = b.labels
		AND a.run_id = (SELECT id FROM runs WHERE name='$1')
		AND b.run_id = (SELECT id FROM runs WHERE name='$2')")
	if [ "$same" = "$total" ] && [ "$total" -gt 0 ] && [ "$labels" -gt 0 ]; then
		echo "ok   $2-same-dynamics"
	else
		echo "FAIL $2-same-dynamics: $same of $total BLOBs, $labels labels equal"
		failures=$((failures + 1))
	fi
}

# analysis_of RUN: the run's data maps, matrices and groupings, without ids or names
analysis_of() {
	sqlite3 taskmap.db "SELECT d.task_index, d.confidence, d.variability, d.correctness,
		d.easy_fraction, d.ambiguous_fraction, d.hard_fraction
		FROM datamap_tasks d JOIN analyses a ON a.id = d.analysis_id
		WHERE a.run_id = (SELECT id FROM runs WHERE name='$1') ORDER BY 1;
		SELECT s.task_index, s.position, s.confidence, s.variability, s.correctness, s.region
		FROM datamap_samples s JOIN analyses a ON a.id = s.analysis_id
		WHERE a.run_id = (SELECT id FROM runs WHERE name='$1') ORDER BY 1, 2;
		SELECT m.estimator, e.task_i, e.task_j, e.value
		FROM matrices m JOIN matrix_entries e ON e.matrix_id = m.id
		WHERE m.run_id = (SELECT id FROM runs WHERE name='$1') ORDER BY 1, 2, 3;
		SELECT g.clustering, g.k, g.recommended, gm.task_index, gm.group_index, gm.membership
		FROM groupings g JOIN grouping_members gm ON gm.grouping_id = g.id
		WHERE g.run_id = (SELECT id FROM runs WHERE name='$1') ORDER BY 1, 4, 5"
}

same_analysis() {
	if [ -n "$(analysis_of "$1")" ] && [ "$(analysis_of "$1")" = "$(analysis_of "$2")" ]; then
		echo "ok   $2-same-analysis"
	else
		echo "FAIL $2-same-analysis"; failures=$((failures + 1))
	fi
}

check synth 0 $T synth --out s.arff --samples 500 --seed 3
check train 0 $T -q train s.arff --run trained --epochs 4 --hidden 16 --batch 32
check help 0 $T import --help
contains help-formats "$work/out" "--format cartography"
check no-format 2 $T import x.csv
check npy-without-arrays 2 $T import --format npy
check logits-without-labels 2 $T import --format npy --logits z.npy

check export-npy 0 $T export trained --out npy
check export-csv 0 $T export trained --format csv --out csv
check import-npy 0 $T -q import --format npy --probabilities npy/probabilities.npy \
	--labels npy/labels.npy --task-names npy/task-names.txt \
	--sample-names npy/sample-names.txt --run from-npy
contains import-prints-run "$work/out" "from-npy"
check import-csv 0 $T -q import --format csv csv/dynamics.csv --run from-csv
check import-csv-gz 0 sh -c "gzip -c csv/dynamics.csv > d.csv.gz && $T -q import --format csv d.csv.gz --run from-gz"
check name-taken 2 $T -q import --format csv csv/dynamics.csv --run from-csv
# cartography: the exported CSV rewritten as one directory per task, one
# sigmoid logit per line (the logit of the gold label's side)
cat >tocarto.py <<'EOF'
import csv, math, os, sys
files = {}
for row in csv.DictReader(open(sys.argv[1], newline="")):
    if row["p"] == "" or row["label"] == "":
        continue
    gold = int(row["label"])
    s = float(row["p"]) if gold == 1 else 1 - float(row["p"])   # sigmoid(z)
    z = 40.0 if s >= 1 else -40.0 if s <= 0 else math.log(s / (1 - s))
    key = (row["task"], row["epoch"])
    if key not in files:
        os.makedirs(os.path.join(sys.argv[2], row["task"]), exist_ok=True)
        files[key] = open(os.path.join(sys.argv[2], row["task"],
                                       "dynamics_epoch_%s.jsonl" % row["epoch"]), "w")
    files[key].write('{"guid": "%s", "logits_epoch_%s": [%r], "gold": %d}\n'
                     % (row["sample"], row["epoch"], z, gold))
for f in files.values():
    f.close()
EOF
check export-cartography 0 python3 tocarto.py csv/dynamics.csv carto-tasks
check import-cartography 0 $T -q import --format cartography carto-tasks --run from-carto
same_run trained from-npy
same_run trained from-csv
same_run trained from-gz
same_run trained from-carto
for run in trained from-npy from-csv from-carto; do
	check "analyze-$run" 0 $T -q analyze "$run" --bootstrap 3
	$T recommend --run "$run" | sed 1d >"rec-$run.txt"
done
same_analysis trained from-npy
same_analysis trained from-csv
same_analysis trained from-carto
check same-recommendation 0 cmp rec-trained.txt rec-from-csv.txt
check same-recommendation-npy 0 cmp rec-trained.txt rec-from-npy.txt
check same-recommendation-carto 0 cmp rec-trained.txt rec-from-carto.txt
check kind-import 0 sqlite3 taskmap.db "SELECT kind, status, n_epochs, epochs_done FROM runs WHERE name='from-npy'"
contains kind-import-text "$work/out" "import|done|4|4"

# invalid input: exit 3, FILE:LINE, nothing written
runs_before=$(sqlite3 taskmap.db "SELECT count(*) FROM runs")
printf 'sample,task,epoch,p\na,x,0,0.5\nb,x,0,1.5\n' >range.csv
check out-of-range 3 $T import --format csv range.csv
contains out-of-range-line "$work/err" "range.csv:3: p = 1.5 is not a probability in [0, 1]"
printf 'sample,task,epoch,p\na,x,0,0.5\na,x,0,0.5\n' >dup.csv
check duplicate 3 $T import --format csv dup.csv
contains duplicate-line "$work/err" "dup.csv:3: a second row for sample 'a', task 'x' in epoch 0"
printf 'sample,task,epoch,p\na,x,0,0.5\nb,x,0,0.5\na,x,1,0.5\nb,x,1,0.5\na,x,2,0.5\n' >short.csv
check epoch-lacks-sample 3 $T import --format csv short.csv
contains epoch-lacks-sample-text "$work/err" "epoch 2: task 'x', sample 'b': missing here but recorded in the first epoch"
printf 'sample,task,epoch,p\na,x,0,0.5\na,x,1,0.5\nb,x,1,0.5\n' >extra.csv
check epoch-extra-sample 3 $T import --format csv extra.csv
contains epoch-extra-sample-text "$work/err" "extra.csv:4: sample 'b' is not in epoch 0"
printf 'sample,task,epoch,p\na,x,0,0.5\na,x,2,0.5\n' >gap.csv
check missing-epoch 3 $T import --format csv gap.csv
contains missing-epoch-text "$work/err" "gap.csv:3: epoch 2 after epoch 0"

# .npy files written byte by byte (no NumPy needed): bad dtype, shape, size
npy() { # npy FILE DICT DATA_BYTES
	python3 -c "import sys
d = sys.argv[2].encode(); d += b' ' * ((64 - (10 + len(d) + 1) % 64) % 64) + b'\n'
open(sys.argv[1], 'wb').write(b'\x93NUMPY\x01\x00' + len(d).to_bytes(2, 'little') + d + b'\0' * int(sys.argv[3]))" "$@"
}
npy be.npy "{'descr': '>f4', 'fortran_order': False, 'shape': (1, 2, 2), }" 16
check big-endian 3 $T import --format npy --probabilities be.npy
contains big-endian-text "$work/err" "be.npy: big-endian dtype '>f4' is not supported"
npy obj.npy "{'descr': '|O', 'fortran_order': False, 'shape': (1, 2, 2), }" 32
check object-dtype 3 $T import --format npy --probabilities obj.npy
contains object-dtype-text "$work/err" "not numeric"
npy cut.npy "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2, 2), }" 12
check truncated 3 $T import --format npy --probabilities cut.npy
contains truncated-text "$work/err" "(truncated)"
npy p.npy "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2, 2), }" 16
npy y.npy "{'descr': '|i1', 'fortran_order': False, 'shape': (3, 2), }" 6
check ragged-labels 3 $T import --format npy --probabilities p.npy --labels y.npy
contains ragged-labels-text "$work/err" "labels must have shape (samples, tasks) = (2, 2)"
npy p2.npy "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }" 16
check two-dims 3 $T import --format npy --probabilities p2.npy
check nothing-written 0 sqlite3 taskmap.db "SELECT count(*) FROM runs"
contains nothing-written-count "$work/out" "$runs_before"

# cartography: 3 classes, 3 epochs -> 3 one-vs-rest tasks; a missing epoch refused
mkdir -p carto
for e in 0 1 2; do
	for i in $(seq 0 59); do
		printf '{"guid": %d, "logits_epoch_%d": [%d.5, %d, 0], "gold": %d}\n' \
			"$i" "$e" $(((i + e) % 3)) $((i % 2)) $((i % 3))
	done >"carto/dynamics_epoch_$e.jsonl"
done
check cartography 0 $T -q import --format cartography carto --run carto
check cartography-tasks 0 $T tasks carto
contains cartography-class "$work/out" "class_2"
mv carto/dynamics_epoch_1.jsonl carto/elsewhere
check cartography-gap 3 $T -q import --format cartography carto
contains cartography-gap-text "$work/err" "dynamics_epoch_1.jsonl is missing"
# a line with more logits than any classifier has: an input error at its line
mkdir -p carto-wide
python3 -c 'print("{\"guid\": 1, \"logits_epoch_0\": [%s], \"gold\": 0}" % ",".join(["0"] * 1000001))' \
	>carto-wide/dynamics_epoch_0.jsonl
check cartography-too-many-classes 3 $T -q import --format cartography carto-wide
contains cartography-too-many-classes-text "$work/err" "dynamics_epoch_0.jsonl:1: 1000001 logits, more than"

# libtaskmap: the example program of docs/api.md is examples/record.c, the
# program the build compiles and this test runs; then analyze + recommend
awk '/^```c$/ { inside = 1; next } /^```$/ { inside = 0 } inside' "$root/docs/api.md" >api-example.c
check api-doc-is-the-example 0 cmp api-example.c "$root/examples/record.c"
if [ -n "${TASKMAP_RECORD_EXAMPLE:-}" ]; then
	check api-example 0 ${TASKMAP_VALGRIND:+valgrind -q --error-exitcode=99 --leak-check=full} \
		"$TASKMAP_RECORD_EXAMPLE" api.db
	check api-analyze 0 $T --db api.db -q analyze example
	check api-recommend 0 $T --db api.db recommend --run example
	contains api-group-a "$work/out" "a0, a1, a2"
	contains api-group-b "$work/out" "b0, b1, b2"
	# from Python through ctypes (docs/api.md): a refused create_run (a bad
	# label) leaves the handle as before, so the corrected call records a run
	cat >ctypes-record.py <<'EOF'
import ctypes, sys
lib = ctypes.CDLL(sys.argv[1])
lib.taskmap_last_error.restype = ctypes.c_char_p
lib.taskmap_run_id.restype = ctypes.c_int64
tm = ctypes.c_void_p()
assert lib.taskmap_open(ctypes.byref(tm), b"ctypes.db") == 0
names = (ctypes.c_char_p * 2)(b"a", b"b")
bad = (ctypes.c_int8 * 8)(1, 0, 0, 1, 1, 1, 5, 0)
rc = lib.taskmap_create_run(tm, b"py", ctypes.c_size_t(2), names, ctypes.c_size_t(4), None, bad)
print(rc, lib.taskmap_last_error(tm).decode())
rc = lib.taskmap_create_run(tm, b"py", ctypes.c_size_t(2), names, ctypes.c_size_t(4), None, None)
print(rc, lib.taskmap_run_id(tm))
p = (ctypes.c_float * 8)(0.5, 0.25, 0.75, 1, 0, 0.5, 0.5, 0.5)
print(lib.taskmap_add_epoch(tm, p, None), lib.taskmap_finish(tm))
lib.taskmap_close(tm)
EOF
	libtaskmap=$(dirname "$TASKMAP_RECORD_EXAMPLE")/../lib/libtaskmap.so.0
	# a sanitized build's library needs its runtimes loaded first into python;
	# python's own allocations are no leaks of ours
	runtimes=$(ldd "$libtaskmap" | awk '/lib(asan|ubsan)\.so/ { printf "%s%s", sep, $3; sep = ":" }')
	if [ -n "$runtimes" ]; then
		check api-ctypes 0 env LD_PRELOAD="$runtimes" \
			ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
			python3 ctypes-record.py "$libtaskmap"
	else
		check api-ctypes 0 python3 ctypes-record.py "$libtaskmap"
	fi
	contains api-ctypes-bad-label "$work/out" "-3 the label of sample 3, task 'a' is 5, not 0, 1 or -1"
	contains api-ctypes-retry "$work/out" "0 1"
	contains api-ctypes-epoch "$work/out" "0 0"
	check api-ctypes-run 0 $T --db ctypes.db runs --format csv
	contains api-ctypes-run-done "$work/out" ",py,libtaskmap,import,done,"
fi

# the PyTorch recipe: its NumPy writer always (when NumPy is installed), the
# real training loop when PyTorch is installed too
python=
for candidate in python3 /usr/bin/python3; do
	if command -v "$candidate" >/dev/null && "$candidate" -c 'import numpy' 2>/dev/null; then
		python=$candidate
		break
	fi
done
if [ -z "$python" ]; then
	echo "skip pytorch-recipe: no python3 with numpy (apt-get install python3-numpy)"
else
	recipe="$root/examples/pytorch_record.py"
	check recipe-synthetic 0 "$python" "$recipe" syn --synthetic --csv --epochs 4
	check recipe-import 0 $T --db py.db -q import --format npy --probabilities syn/probabilities.npy \
		--labels syn/labels.npy --task-names syn/task-names.txt \
		--sample-names syn/sample-names.txt --run syn
	check recipe-import-csv 0 $T --db py.db -q import --format csv syn/dynamics.csv --run syn-csv
	check recipe-analyze 0 $T --db py.db -q analyze syn
	check recipe-recommend 0 $T --db py.db recommend --run syn
	contains recipe-group "$work/out" "g0_t0, g0_t1, g0_t2"
	if "$python" -c 'import torch' 2>/dev/null; then
		check recipe-torch 0 "$python" "$recipe" torch --epochs 4
		check recipe-torch-import 0 $T --db py.db -q import --format npy \
			--probabilities torch/probabilities.npy --labels torch/labels.npy \
			--task-names torch/task-names.txt --run torch
		check recipe-torch-analyze 0 $T --db py.db -q analyze torch
	else
		echo "skip recipe-torch: PyTorch is not installed (apt-get install python3-torch)"
	fi
fi
finish
