"""Process-level settings that must be made before TensorFlow is imported.

oneDNN kernels are off by default in TensorFlow on AMD CPUs; turning them on doubled GEMM speed and
training throughput on the project's reference machines (see benchmarks/ and the README). A user's own
setting always wins: we only set the variable when it is absent.
"""

import os

os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
