"""One worker of the 2-process MultiWorkerMirroredStrategy test: trains the tiny DCGAN and writes a checksum."""

import json
import sys

import numpy as np

import tfgan_zoo
from tfgan_zoo.training import train

config_path, workdir, out = sys.argv[1:4]
cfg = tfgan_zoo.load_config(config_path, ["train.strategy=multi_worker", "train.steps=3", "train.steps_per_epoch=3",
                                          f"train.workdir={workdir}"])
result = train(cfg)
w = result.model.generator.get_weights()
with open(out, "w") as f:
    json.dump({"checksum": float(sum(np.sum(x.astype(np.float64)) for x in w)),
               "history": result.history, "end_step": result.end_step}, f)
