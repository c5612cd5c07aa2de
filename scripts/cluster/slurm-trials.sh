#!/usr/bin/env bash
# Submits the trials of `lth imp` to Slurm as a job array, one trial per task, and their merge as a
# job that starts when every task has succeeded (docs/cluster.md):
#
#   LTH=$PWD/target/release/lth LTH_TRIALS=5 LTH_OUT=results/paper-5-seeds \
#     scripts/cluster/slurm-trials.sh [sbatch options for both jobs, e.g. --partition=cpu]
#
# The variables (see slurm-trials.sbatch) reach the jobs through sbatch's environment. Run it from
# the folder the relative paths are relative to, on a filesystem the nodes share.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
export LTH="${LTH:-lth}"
export LTH_TRIALS="${LTH_TRIALS:-5}"
export LTH_OUT="${LTH_OUT:-results/paper-5-seeds}"
export LTH_DATA="${LTH_DATA:-data/mnist}"
export LTH_ARGS="${LTH_ARGS:---preset paper --controls random_reinit,random_prune --seed 0}"
# --parsable prints "ID" (or "ID;CLUSTER").
array="$(sbatch --parsable --array="0-$((LTH_TRIALS - 1))" "$@" "$here/slurm-trials.sbatch")"
array="${array%%;*}"
merge="$(sbatch --parsable --dependency="afterok:$array" "$@" "$here/slurm-summarize.sbatch")"
echo "trials 0 to $((LTH_TRIALS - 1)): job array $array; the merge: job ${merge%%;*}, once they all succeed"
echo "reports in $LTH_OUT; watch with: squeue -j $array,${merge%%;*}"
