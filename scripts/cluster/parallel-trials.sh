#!/usr/bin/env bash
# The trials of `lth imp` on one big machine with GNU parallel (docs/cluster.md): one process per
# trial, JOBS at a time, then their merge. `lth imp --trials N --jobs J` does the same in one
# process; this way each trial has its own log, a failed trial does not stop the others, and a run
# started again goes on where it stopped (parallel's --joblog with --resume-failed reruns only the
# trials that failed or never ran, and lth's --resume takes each of those up after its last kept
# round).
#
#   LTH=target/release/lth LTH_TRIALS=5 LTH_OUT=results/paper-5-seeds scripts/cluster/parallel-trials.sh
#
#   LTH, LTH_TRIALS, LTH_OUT, LTH_DATA, LTH_ARGS   as in slurm-trials.sbatch
#   JOBS           trials at a time (default: one per core)
#   THREADS_PER_TRIAL  threads each trial splits its ticket and controls over (default 1, as
#                  JOBS already fills the cores; up to 1 + the number of controls)
#   LTH_PARTIAL=1  summarize the trials that finished even if some failed
set -euo pipefail
export LTH="${LTH:-lth}"
export LTH_TRIALS="${LTH_TRIALS:-5}"
export LTH_OUT="${LTH_OUT:-results/paper-5-seeds}"
export LTH_DATA="${LTH_DATA:-data/mnist}"
export LTH_ARGS="${LTH_ARGS:---preset paper --controls random_reinit,random_prune --seed 0}"
logs="$LTH_OUT.logs"
mkdir -p "$logs"

# Trial $1 of the run, its output in its own log.
run_trial() {
  local settings
  read -ra settings <<<"$LTH_ARGS"
  "$LTH" imp "${settings[@]}" --data "$LTH_DATA" --out-dir "$LTH_OUT" \
    --trials "$LTH_TRIALS" --trial "$1" --jobs "${THREADS_PER_TRIAL:-1}" --resume >>"$LTH_OUT.logs/trial-$1.log" 2>&1
}
export -f run_trial

failed=0
seq 0 $((LTH_TRIALS - 1)) |
  parallel --jobs "${JOBS:-100%}" --halt never --joblog "$logs/joblog" --resume-failed run_trial '{}' ||
  failed=$?
if [ "$failed" != 0 ]; then
  echo "$failed trial(s) failed: see $logs/joblog and $logs/trial-K.log; run this again to retry them" >&2
fi
exec "$LTH" summarize ${LTH_PARTIAL:+--partial} "$LTH_OUT"
