"""PyTorch reference: the canonical DCGAN-64 of pytorch/examples (`dcgan/main.py`), written for this benchmark.

Same architecture (nz 100, ngf = ndf = 64, 4×4 kernels, bias-free convolutions, BatchNorm, ReLU / LeakyReLU(0.2),
Tanh; D ends in a Sigmoid and is trained with BCELoss), same initialisation (conv N(0, 0.02), BN γ N(1, 0.02)),
same optimizers (Adam(2e-4, β1 0.5)) and the same step: D on the real batch, one G forward whose output (detached)
trains D, then the SAME fake batch through the updated D for the G step. Other image sizes 8·2^k generalise the
stack the way our `conv_generator(projection='conv', kernel_size=4)` does; at 64×64 it is exactly the example.

PyTorch is an optional benchmark dependency (`pip install tfgan_zoo[bench]`); import this module only after
checking `torch_available()`.
"""

from __future__ import annotations

import math
import time


def torch_available() -> tuple[bool, str]:
    """(True, version) or (False, the reason and how to install it)."""
    try:
        import torch
    except ImportError as e:
        return False, (f"PyTorch is not installed ({e}); the PyTorch column is skipped. "
                       "Install the optional benchmark dependency: pip install 'torch==2.13.0' (or .[bench]).")
    return True, torch.__version__


def build(image_size=64, nz=100, ngf=64, ndf=64, nc=3):
    import torch.nn as nn

    n = int(math.log2(image_size // 4))
    if 4 * 2**n != image_size or n < 1:
        raise ValueError(f"image_size must be 4·2^k (8, 16, 32, 64, ...), got {image_size}.")
    top = ngf * 2 ** (n - 1)
    g = [nn.ConvTranspose2d(nz, top, 4, 1, 0, bias=False), nn.BatchNorm2d(top), nn.ReLU(True)]
    c = top
    for _ in range(n - 1):
        g += [nn.ConvTranspose2d(c, c // 2, 4, 2, 1, bias=False), nn.BatchNorm2d(c // 2), nn.ReLU(True)]
        c //= 2
    g += [nn.ConvTranspose2d(c, nc, 4, 2, 1, bias=False), nn.Tanh()]
    d = [nn.Conv2d(nc, ndf, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, inplace=True)]
    c = ndf
    for _ in range(n - 1):
        d += [nn.Conv2d(c, c * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(c * 2), nn.LeakyReLU(0.2, inplace=True)]
        c *= 2
    d += [nn.Conv2d(c, 1, 4, 1, 0, bias=False), nn.Sigmoid()]
    netG, netD = nn.Sequential(*g), nn.Sequential(*d)
    netG.apply(_weights_init)
    netD.apply(_weights_init)
    return netG, netD


def _weights_init(m):
    import torch.nn as nn

    if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
        nn.init.normal_(m.weight.data, 0.0, 0.02)
    elif isinstance(m, nn.BatchNorm2d):
        nn.init.normal_(m.weight.data, 1.0, 0.02)
        nn.init.constant_(m.bias.data, 0)


def count_parameters(module) -> int:
    return sum(p.numel() for p in module.parameters() if p.requires_grad)


class TorchDCGAN:
    """The reference training loop; `run(steps)` returns the wall time of each step in seconds."""

    def __init__(self, images_nhwc, batch_size=64, nz=100, ngf=64, ndf=64, seed=0):
        import numpy as np
        import torch

        torch.manual_seed(seed)
        self.torch = torch
        n, h, _, c = images_nhwc.shape
        self.netG, self.netD = build(h, nz, ngf, ndf, c)
        self.data = torch.from_numpy(np.ascontiguousarray(images_nhwc.transpose(0, 3, 1, 2)))
        self.batch_size, self.nz = batch_size, nz
        self.criterion = torch.nn.BCELoss()
        self.optD = torch.optim.Adam(self.netD.parameters(), lr=2e-4, betas=(0.5, 0.999))
        self.optG = torch.optim.Adam(self.netG.parameters(), lr=2e-4, betas=(0.5, 0.999))
        self._order = torch.randperm(n)
        self._pos = 0

    def _next_batch(self):
        torch = self.torch
        if self._pos + self.batch_size > len(self._order):
            self._order, self._pos = torch.randperm(len(self.data)), 0
        idx = self._order[self._pos : self._pos + self.batch_size]
        self._pos += self.batch_size
        return self.data[idx]

    def step(self):
        torch = self.torch
        real = self._next_batch()
        b = real.size(0)
        # (1) Update D: maximize log(D(x)) + log(1 - D(G(z)))
        self.netD.zero_grad()
        label = torch.full((b,), 1.0)
        err_real = self.criterion(self.netD(real).view(-1), label)
        err_real.backward()
        noise = torch.randn(b, self.nz, 1, 1)
        fake = self.netG(noise)
        label.fill_(0.0)
        err_fake = self.criterion(self.netD(fake.detach()).view(-1), label)
        err_fake.backward()
        self.optD.step()
        # (2) Update G: maximize log(D(G(z))), reusing the same fake batch
        self.netG.zero_grad()
        label.fill_(1.0)
        err_g = self.criterion(self.netD(fake).view(-1), label)
        err_g.backward()
        self.optG.step()
        return (err_real + err_fake).item(), err_g.item()

    def run(self, steps):
        """Wall-clock seconds of each step (and `self.cpu_times`: CPU seconds of this process, all threads)."""
        times, self.cpu_times = [], []
        for _ in range(steps):
            t, c = time.perf_counter(), time.process_time()
            self.step()
            times.append(time.perf_counter() - t)
            self.cpu_times.append(time.process_time() - c)
        return times


class TorchWorker:
    """The reference in its own process (so neither framework's thread pools spin against the other's), driven
    step window by step window from the benchmark: `run(steps)` → step times."""

    def __init__(self, images_nhwc, batch_size=64, nz=100, ngf=64, ndf=64, threads=0):
        import json
        import os
        import subprocess
        import sys
        import tempfile

        import numpy as np

        self._json = json
        self._dir = tempfile.TemporaryDirectory()
        path = os.path.join(self._dir.name, "images.npy")
        np.save(path, images_nhwc)
        args = [sys.executable, "-m", "benchmarks.torch_dcgan", path, str(batch_size), str(nz), str(ngf), str(ndf),
                str(threads)]
        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        self._p = subprocess.Popen(args, cwd=root, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.info = self._read()

    def _read(self):
        line = self._p.stdout.readline()
        if not line:
            raise RuntimeError(f"the PyTorch worker exited (code {self._p.wait()}); see its error above.")
        return self._json.loads(line)

    def _ask(self, cmd):
        self._p.stdin.write(cmd + "\n")
        self._p.stdin.flush()
        return self._read()

    def run(self, steps):
        out = self._ask(f"run {steps}")
        self.cpu_times = out["cpu"]
        return out["times"]

    def gemm(self, n):
        return self._ask(f"gemm {n}")["gflops"]

    def close(self):
        if self._p.poll() is None:
            self._p.stdin.close()
            self._p.wait(timeout=30)
        self._dir.cleanup()


def _worker_main(argv):
    import json
    import sys

    import numpy as np
    import torch

    path, batch, nz, ngf, ndf, threads = argv
    if int(threads):
        torch.set_num_threads(int(threads))
    ref = TorchDCGAN(np.load(path), int(batch), int(nz), int(ngf), int(ndf))
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(),
                      "g_params": count_parameters(ref.netG), "d_params": count_parameters(ref.netD)}), flush=True)
    for line in sys.stdin:
        cmd, arg = line.split()
        if cmd == "run":
            times = ref.run(int(arg))
            print(json.dumps({"times": times, "cpu": ref.cpu_times}), flush=True)
        elif cmd == "gemm":
            n = int(arg)
            a, b = torch.randn(n, n), torch.randn(n, n)
            torch.mm(a, b)
            best = 0.0
            for _ in range(5):
                t = time.perf_counter()
                torch.mm(a, b)
                best = max(best, 2 * n**3 / (time.perf_counter() - t) / 1e9)
            print(json.dumps({"gflops": best}), flush=True)


if __name__ == "__main__":
    import sys

    _worker_main(sys.argv[1:])
