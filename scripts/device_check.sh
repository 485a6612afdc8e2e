#!/usr/bin/env bash
# vi2en on a GPU: the decoder tests on CUDA, then bench_engines.py --device cuda against CTranslate2's
# CUDA build, printing the same table as on the CPU.
#
# NOT RUN YET: vi2en is developed on a machine without a GPU. The CUDA code path is exercised there
# only by its CPU-side checks (tests/test_options.py: --device cpu explicitly, "cuda" refused clearly;
# tests/test_marian_decoder.py: float16/bfloat16 against the Hugging Face forward pass, on the CPU).
# Figures from this script go into the README's "Measured figures" once a GPU machine has run it.
#
# Needs: torch built with CUDA (pip install torch --index-url https://download.pytorch.org/whl/cu124,
# or the build matching the driver), and `pip install -e '.[test,bench]'` (CTranslate2's PyPI wheels
# include CUDA support). Usage: scripts/device_check.sh [extra bench_engines.py arguments]
set -euo pipefail
cd "$(dirname "$0")/.."

python - <<'PY'
import sys
import torch
if not torch.cuda.is_available():
    sys.exit(f"device_check: torch {torch.__version__} sees no CUDA device; this script measures a GPU machine")
print(f"device_check: {torch.cuda.get_device_name(0)}, torch {torch.__version__}, CUDA {torch.version.cuda}, "
      f"bfloat16 {'yes' if torch.cuda.is_bf16_supported() else 'no'}")
import ctranslate2
print(f"device_check: CTranslate2 {ctranslate2.__version__}, CUDA devices seen: {ctranslate2.get_cuda_device_count()}")
PY

# 1. Decoder tests, the model on the GPU: the Marian decoder against the HF forward pass (float32 and the
#    half precisions), the search, the device plumbing (VI2EN_TEST_DEVICE is read by tests/test_options.py).
VI2EN_TEST_DEVICE=cuda python -m pytest -q tests/test_options.py tests/test_marian_decoder.py \
    tests/test_beam_search.py tests/test_constraint_state.py tests/test_precision.py tests/test_models.py

# 2. The engines on the GPU, the same table as the CPU run (vi2en *-int8 engines run float16 there,
#    CTranslate2's int8 engines int8_float16: torch has no int8 GPU kernels).
python scripts/bench_engines.py --device cuda \
    --engines product-f32,product-int8,glossary-f32,glossary-int8,hf-batched,ct2-f32,ct2-int8 "$@"
