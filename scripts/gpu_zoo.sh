#!/usr/bin/env bash
# Train the bundled fast styles and `paintings` with the papers' recipes on one GPU (issue 21):
# each model named is its own process and the GPU takes turns between them (measured on an H200:
# six at once 200 images/s in all, one alone 176), so name one to give it the whole lease. Every
# training stops after SECONDS, writing its model at the step it reached; rerun with the same
# WORK to go on.
#
#   scripts/gpu_zoo.sh DATA STYLES WORK SECONDS [BATCH] [NAME...]
#
# DATA: training photos; STYLES: folder of the paintings (shared/data/style); NAME: which of
# starry_night the_scream great_wave composition_vii paintings (default: all five).
# PYTHON and DEVICE (default python3, cuda) choose the interpreter and device.
# Install a result with scripts/_zoo.py's install() once you have looked at it.
set -u
if [ $# -lt 4 ]; then
    echo "usage: $0 DATA STYLES WORK SECONDS [BATCH] [NAME...]" >&2
    exit 2
fi
data=$1 styles=$2 work=$3 secs=$4 batch=${5:-8}
shift $(($# < 5 ? $# : 5))
names=("$@")
[ ${#names[@]} -eq 0 ] && names=(starry_night the_scream great_wave composition_vii paintings)
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$work"
python=${PYTHON:-python3} device=${DEVICE:-cuda}
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-2} TQDM_MININTERVAL=${TQDM_MININTERVAL:-30}
pids=()
for name in "${names[@]}"; do
    if [ "$name" = paintings ]; then
        cmd=("$here/train_paintings.py" --gpu --work "$work")
    else
        cmd=("$here/train_zoo.py" --gpu --only "$name" --work "$work")
    fi
    "$python" "${cmd[@]}" --device "$device" --data "$data" --styles-dir "$styles" \
        --batch-size "$batch" --time-limit "$secs" >"$work/$name.log" 2>&1 &
    pids+=($!)
done
rc=0
for p in "${pids[@]}"; do wait "$p" || rc=1; done
exit $rc
