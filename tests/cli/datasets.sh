#!/usr/bin/env bash
# End-to-end checks of the dataset commands: synth writes data that inspect
# reads back with the planted shape; bad files and options give the
# documented exit codes and FILE:LINE messages.
. "$(dirname "$0")/lib.sh"
cd "$work" || exit 1

check synth 0 $T synth --out s.arff --groups 3 --tasks-per-group 2 --samples 300 --features 5 --seed 7
contains synth-says-what "$work/out" "300 samples, 5 features, 6 tasks in 3 planted groups"
contains truth-json s.truth.json '"groups"'
check inspect 0 $T inspect s.arff
contains inspect-shape "$work/out" "samples            300"
contains inspect-tasks "$work/out" "tasks              6"
check inspect-json 0 $T inspect --json s.arff
contains inspect-json-samples "$work/out" '"samples": 300'
contains inspect-json-pairs "$work/out" '"top_pairs"'
check synth-deterministic 0 $T synth --out t.arff --groups 3 --tasks-per-group 2 --samples 300 --features 5 --seed 7
cmp -s s.arff t.arff && echo "ok   synth-same-seed-same-bytes" ||
	{ echo "FAIL synth-same-seed-same-bytes"; failures=$((failures + 1)); }
check synth-hierarchy 0 $T synth --out h.arff --structure hierarchy --groups 2 --tasks-per-group 3 --samples 200
check synth-missing 0 $T synth --out m.arff --missing 0.4 --samples 200
check inspect-missing 0 $T inspect --json m.arff
contains missing-counted "$work/out" '"missing_labels": '

printf '@relation x -C 1\n@attribute y {0,1}\n@attribute a numeric\n@data\n0,1\n1,abc\n' > bad.arff
check non-numeric 3 $T inspect bad.arff
contains non-numeric-location "$work/err" "bad.arff:6"
printf '@relation x -C 1\n@attribute y {0,1}\n@attribute a numeric\n@data\n0,1\n2,3\n' > label.arff
check bad-label 3 $T inspect label.arff
contains bad-label-location "$work/err" "label.arff:6"
printf '@relation x\n@attribute a numeric\n@attribute y {0,1}\n@data\n1,0\n' > nolabels.arff
check no-labels 3 $T inspect nolabels.arff
contains no-labels-hint "$work/err" "--xml"
printf '\x00\x01\x02garbage\xff\xfe' > garbage.arff
check garbage 3 $T inspect garbage.arff
check missing-file 1 $T inspect does-not-exist.arff
check no-argument 2 $T inspect
check bad-structure 2 $T synth --out x.arff --structure tree
check bad-number 2 $T synth --out x.arff --samples 12abc
check synth-needs-out 2 $T synth

# synth writes a temporary file and renames it: never over a FIFO or device
mkfifo fifo.arff
check synth-refuses-fifo 1 $T synth --out fifo.arff --samples 50
contains synth-refuses-fifo-message "$work/err" "cannot write 'fifo.arff': not a regular file"
[ -p fifo.arff ] && echo "ok   synth-fifo-kept" ||
	{ echo "FAIL synth replaced a FIFO"; failures=$((failures + 1)); }
check synth-refuses-fifo-truth 1 $T synth --out kept.arff --truth fifo.arff --samples 50
[ ! -e kept.arff ] && [ -p fifo.arff ] && echo "ok   synth-truth-checked-first" ||
	{ echo "FAIL synth wrote the ARFF before refusing its truth file"; failures=$((failures + 1)); }

# a task with no positive label is trained but excluded from analysis, and said so
{
	printf '@relation x -C 2\n@attribute always_zero {0,1}\n@attribute y {0,1}\n'
	printf '@attribute a numeric\n@attribute b numeric\n@data\n'
	for i in $(seq 1 60); do printf '0,%d,%d,%d\n' $((i % 2)) "$i" $((i % 7)); done
} > excluded.arff
check train-excluded 0 $T --db ex.db train excluded.arff --epochs 1 --batch 8
contains excluded-noted "$work/err" "task 'always_zero' is excluded from analysis: no positive sample"
check tasks-excluded 0 $T --db ex.db tasks
contains tasks-shows-reason "$work/out" "no positive sample in the training split"

finish
