"""tfgan_zoo: the GAN model zoo for TensorFlow / Keras 3."""

from setuptools import find_packages, setup

# `export/` and `serving/` sit at the top of the repository but install inside the tfgan_zoo namespace
# (tfgan_zoo.export, tfgan_zoo.serving), so no generic top-level module names land in site-packages.
packages = find_packages(include=["tfgan_zoo", "tfgan_zoo.*"])
packages += ["tfgan_zoo.export"] + ["tfgan_zoo.export." + p for p in find_packages("export")]
packages += ["tfgan_zoo.serving"] + ["tfgan_zoo.serving." + p for p in find_packages("serving")]

setup(
    name="tfgan_zoo",
    version="0.1.0",
    description="GANs from the literature as Keras 3 models: train with fit, scale with tf.distribute, "
    "export to TF Serving and TFLite.",
    long_description=open("README.md").read() if __import__("os").path.exists("README.md") else "",
    long_description_content_type="text/markdown",
    python_requires=">=3.10",
    packages=packages,
    package_dir={"tfgan_zoo.export": "export", "tfgan_zoo.serving": "serving"},
    package_data={
        "tfgan_zoo": ["pretrained/assets/*", "pretrained/assets/*/*", "evaluation/assets/*",
                      "interactive/studio/*.html"],
        "tfgan_zoo.serving": ["*.config", "*.yaml", "*.txt"],
    },
    include_package_data=True,
    install_requires=[
        # tensorflow-cpu is the CPU build; on a GPU machine install `tensorflow[and-cuda]==2.21.0` first.
        "tensorflow-cpu==2.21.0; platform_machine=='x86_64'",
        "keras>=3.12,<4",
        "absl-py>=2.1",
        "numpy>=1.26",
        "pyyaml>=6",
        "tensorflow-datasets==4.9.10",
        "importlib_resources",  # TFDS imports it but does not declare it on Python >= 3.9
        "tensorboard==2.21.0",
        "scikit-learn>=1.4",  # bundled real data: handwritten digits
        "scikit-image>=0.22",  # bundled real data: natural images and faces
        "matplotlib>=3.8",  # bundled real data: typefaces for printed digits
        "pillow>=10",  # checks the files of folder data sets before training
        "grpcio>=1.60",
        "ai-edge-litert==2.3.0",
        "tqdm>=4.66",
    ],
    extras_require={
        "test": ["pytest>=8", "pytest-xdist>=3.5", "pytest-timeout>=2.3", "ruff>=0.17,<0.18", "selenium>=4.20"],
        "onnx": ["tf2onnx==1.17.0", "onnxruntime"],
        "bench": ["torch==2.13.0"],
    },
    entry_points={"console_scripts": ["tfgan-zoo=tfgan_zoo.cli:main"]},
)
