#!/usr/bin/env bash
# What a session with a lent GPU machine runs, in one call (bench/README.md, "On a GPU"):
# the bridge benchmark with the CPU and the GPU side by side, then the JAX-facing tests and
# the tutorial scripts (--engine jax) with the GPU as JAX's default device.
#   usage: bash bench/gpu_session.sh OUTDIR   (bridge.md, bridge.log, tests.log, examples.log)
set -uo pipefail
out=${1:?usage: bash bench/gpu_session.sh OUTDIR}
mkdir -p "$out"
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH}
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
python3 -c "import jax, jaxbridge as jb; print('jax', jax.__version__, 'default device:', jb.device())"

timeout 300 python3 -m bench --bridge --output "$out/bridge.md" >"$out/bridge.log" 2>&1
echo "python -m bench --bridge: rc=$?"
timeout 300 python3 -m pytest -q -p no:cacheprovider -rs tests/test_jaxbridge.py tests/test_batch.py \
    tests/test_agreement.py tests/test_jaxpr.py tests/test_examples_scripts.py >"$out/tests.log" 2>&1
echo "JAX-facing tests: rc=$?"; tail -n 3 "$out/tests.log"
for script in linear_regression logistic_regression two_layer_net newton logistic_map; do
    start=$(date +%s%N)
    timeout 120 python3 "examples/$script.py" --engine jax --quiet >>"$out/examples.log" 2>&1
    echo "examples/$script.py --engine jax: rc=$? in $(( ($(date +%s%N) - start) / 1000000 )) ms"
done
grep '^engine:' "$out/examples.log" | sort | uniq -c
