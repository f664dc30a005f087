#!/usr/bin/env bash
# The GPU check, for a machine with a GPU and JAX or PyTorch but no TensorFlow (under 5 minutes).
#
#   make gpu-wheels                    # here: the small wheels it needs (for this Python and
#                                      # platform: the GPU machine must match), into
#                                      # benchmarks/wheels (keras, keras-tuner, ...)
#   benchmarks/gpu_check.sh            # there, from the repository root, with those wheels
#
# It installs, from benchmarks/wheels only (no index), each package the check needs that the
# machine lacks (numpy and scipy are not carried: JAX brings both, PyTorch machines usually have
# them, and the check says which is missing; matplotlib is needed only for plots, which the
# check does not draw); keras-zoo itself runs from the tree (PYTHONPATH), not installed, since its
# TensorFlow dependency is not wanted there. Then, per backend that imports (jax, torch), it
# runs benchmarks/gpu_check.py: an ANN and a CNN trained on the GPU and on the CPU, and a
# 4-trial search with one worker per GPU; it prints each trial's device and the GPU's speed
# against the CPU. Exit status 0 when every backend's check passed.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
WHEELS=${WHEELS:-benchmarks/wheels}
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
export TF_CPP_MIN_LOG_LEVEL=3  # (JAX's on-demand GPU memory is keras-zoo's to set: tested)

# module name -> distribution to install when the module is missing
NEEDED="keras:keras keras_tuner:keras-tuner kt_legacy:kt-legacy namex:namex optree:optree
rich:rich h5py:h5py ml_dtypes:ml-dtypes absl:absl-py yaml:pyyaml six:six pandas:pandas
sklearn:scikit-learn dateutil:python-dateutil requests:requests grpc:grpcio packaging:packaging
google.protobuf:protobuf joblib:joblib threadpoolctl:threadpoolctl markdown_it:markdown-it-py
mdurl:mdurl pygments:pygments charset_normalizer:charset-normalizer idna:idna urllib3:urllib3
certifi:certifi tzdata:tzdata"
for module in numpy scipy; do
    "$PY" -c "import $module" 2>/dev/null || {
        echo "gpu_check: $module is missing here and not carried (install it with pip)"; exit 2; }
done
missing=()
for pair in $NEEDED; do
    module=${pair%%:*}; dist=${pair#*:}
    # find_spec, not import: `import keras` would start its default backend, TensorFlow
    "$PY" -c "import importlib.util, sys; sys.exit(importlib.util.find_spec('$module') is None)" \
        2>/dev/null || missing+=("$dist")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing from $WHEELS: ${missing[*]}"
    "$PY" -m pip install --quiet --no-deps --no-index --find-links "$WHEELS" "${missing[@]}" || {
        echo "gpu_check: could not install ${missing[*]} from $WHEELS (run 'make gpu-wheels'" \
             "on a machine with the package index and carry $WHEELS)"; exit 2; }
fi
"$PY" -c "import importlib.util, sys; sys.exit(importlib.util.find_spec('tensorflow') is None)" \
    2>/dev/null && echo "(TensorFlow is installed here too; unused)"

status=0 ran=0
for backend in jax torch; do
    "$PY" -c "import $backend" 2>/dev/null || { echo "== $backend: not installed, skipped"; continue; }
    echo "== KERAS_BACKEND=$backend"
    ran=1
    KERAS_BACKEND=$backend timeout 150 "$PY" benchmarks/gpu_check.py "$@" || {
        echo "== $backend: FAILED (status $?)"; status=1; }
done
[ $ran -eq 1 ] || { echo "gpu_check: neither jax nor torch imports"; exit 2; }
exit $status
