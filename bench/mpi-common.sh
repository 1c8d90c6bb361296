# mpi-common.sh - sourced by bench/mpi-scaling.sh and bench/mpi-memory.sh:
# their shared arguments NAME DATA XML EPOCHS "TRAIN OPTIONS" [RANKS...]
# (XML "-" for none; RANKS default 2), TASKMAP= (the build, default
# build/cli/taskmap) and REPEAT= (default 3), a work folder removed on exit,
# and the environment mpirun needs as root on this machine.
# Sets: T name data xml epochs ranks repeat work xml_opt extra.
T=${TASKMAP:-$(dirname "$0")/../build/cli/taskmap}
name=$1 data=$2 xml=$3 epochs=$4 opts=$5
shift 5
ranks=("$@")
[ "${#ranks[@]}" -gt 0 ] || ranks=(2)
repeat=${REPEAT:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_btl_vader_single_copy_mechanism=none
xml_opt=(); [ "$xml" != - ] && xml_opt=(--xml "$xml")
read -ra extra <<< "$opts"
