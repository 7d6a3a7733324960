"""The contract tier's XLA compiles for speed of compiling, not of running.

`test_xla_fit` compiles each model's train step with `jit_compile=True` for two steps on a tiny model; most of that is
LLVM optimising the generated CPU code, which only changes how fast the code runs, not what it computes. XLA's CPU
backend at optimisation level 0 (`--xla_backend_optimization_level=0`) halves it: the tiny CycleGAN's 2-step XLA
`fit` 47 s → 24 s on this 2-core CPU. XLA reads its flags once per process, so this reaches the whole worker process
that collects this folder (an `XLA_FLAGS` already set is left alone). Grappler is off for this folder as well (see
`WITHOUT_GRAPPLER` in tests/conftest.py).
"""

import os

os.environ.setdefault("XLA_FLAGS", "--xla_backend_optimization_level=0")
