#!/usr/bin/env bash
# End-to-end check of the gradient affinities: `train --affinity
# tag,cosine,heads` records run-level matrices, `analyze --relatedness tag`
# clusters them (and keeps TAG's raw asymmetric matrix), and `select
# --analysis latest` chooses networks from it (on 18 tasks exactly, by the
# subset programme, and on 21, beyond the every-group range, with the
# heuristic). Misuse exits 2.
set -u
. "$(dirname "$0")/lib.sh"

cd "$work" || exit 1
check synth 0 $T synth --groups 3 --tasks-per-group 2 --samples 400 --seed 3 --out s.arff
check help 0 $T train --help
contains help-affinity "$work/out" "--affinity LIST"
contains help-every "$work/out" "--affinity-every K"
contains help-sources "$work/out" "--affinity-sources N"
check bad-affinity 2 $T train s.arff --affinity magic
check train 0 $T -q train s.arff --epochs 3 --lr 0.01 --affinity tag,cosine,heads \
	--affinity-every 2 --affinity-sources 3
check run-matrices 0 $T query "SELECT estimator FROM matrices WHERE analysis_id IS NULL ORDER BY id"
contains run-matrix-tag "$work/out" "tag"
contains run-matrix-heads "$work/out" "heads"
check analyze-tag 0 $T -q analyze --relatedness tag
contains analyze-tag-row "$work/out" "tag"
check raw-tag 0 $T query "SELECT kind, symmetric FROM matrices WHERE estimator = 'tag-lookahead'"
contains raw-tag-asymmetric "$work/out" "affinity"
check select 0 $T select --analysis latest --budget 2
contains select-budget "$work/out" "exact"
if [ -w /dev/full ]; then
	$T select --analysis latest --budget 2 >/dev/full 2>"$work/full-err"
	status=$?
	check select-full-status 0 test "$status" -eq 1
	check select-full-once 0 test "$(grep -c 'cannot write the output' "$work/full-err")" -eq 1
fi
# 18 tasks: every group is a candidate and auto is exact for the whole curve
check synth-18 0 $T synth --groups 6 --tasks-per-group 3 --samples 300 --seed 4 --out t18.arff
check train-18 0 $T -q train t18.arff --epochs 2 --lr 0.01 --affinity tag --affinity-sources 3 \
	--db t18.db
check analyze-18 0 $T -q analyze --relatedness tag --db t18.db
check select-18 0 $T select --analysis latest --budget 1,3,6 --format csv --db t18.db
check select-18-exact 0 test "$(grep -c '^[0-9.]*,exact,' "$work/out")" -eq 3
# beyond 20 tasks: generated candidate groups and the heuristic, two bounds
check synth-big 0 $T synth --groups 7 --tasks-per-group 3 --samples 300 --seed 4 --out big.arff
check train-big 0 $T -q train big.arff --epochs 2 --lr 0.01 --affinity tag --affinity-sources 3 \
	--db big.db
check analyze-big 0 $T -q analyze --relatedness tag --db big.db
check select-big 0 $T select --analysis latest --budget 1,3,6 --format csv --db big.db
contains select-big-heuristic "$work/out" "heuristic"
contains select-big-column "$work/out" "candidate_bound"
check select-big-help 0 $T select --help
contains select-help-range "$work/out" "Exact search"
check select-bad-method 2 $T select --analysis latest --budget 2 --method magic --db big.db
check select-bad-budget 2 $T select --analysis latest --budget 0.5 --db big.db
check analyze-all 0 $T -q analyze --relatedness cosine,heads,datamap
check recommend 0 $T recommend
finish
