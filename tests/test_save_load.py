"""The README's save / load_model round trip, in a fresh process as a user runs it."""

import os
import subprocess
import sys

import numpy as np

import tfgan_zoo

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

LOAD = """
import sys
import numpy as np
import keras
if sys.argv[2] == "import":
    import tfgan_zoo  # registers the zoo's classes with Keras
try:
    model = keras.models.load_model(sys.argv[1])
except Exception as e:
    print("ERROR", type(e).__name__, str(e)[:300])
    sys.exit(3)
np.save(sys.argv[1] + ".npy", model.generate(2, seed=0))
"""


def _load_in_fresh_process(path, mode):
    return subprocess.run([sys.executable, "-c", LOAD, str(path), mode], cwd=REPO, capture_output=True, text=True,
                          timeout=300)


def test_keras_file_loads_in_a_fresh_process_after_import_tfgan_zoo(tmp_path):
    model = tfgan_zoo.build_model(os.path.join(REPO, "zoo_configs", "dcgan", "dcgan_tiny.yaml"))
    model.compile()
    path = tmp_path / "dcgan.keras"
    model.save(path)
    done = _load_in_fresh_process(path, "import")
    assert done.returncode == 0, done.stdout + done.stderr[-2000:]
    np.testing.assert_allclose(np.load(str(path) + ".npy"), model.generate(2, seed=0), atol=1e-6)
    np.testing.assert_allclose(tfgan_zoo.load_model(path).generate(2, seed=0), model.generate(2, seed=0), atol=1e-6)
    # Keras imports only its own packages when deserializing: without `import tfgan_zoo` it cannot find the class
    # (the README says to import it first).
    bare = _load_in_fresh_process(path, "bare")
    assert bare.returncode == 3 and "Could not locate class" in bare.stdout, bare.stdout + bare.stderr[-1000:]
