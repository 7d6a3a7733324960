import pytest

from tfgan_zoo.export.testing import shared_exports


@pytest.fixture(scope="session")
def zoo(tmp_path_factory):
    """Every registered model, tiny with randomized generator weights, exported once per session (version 1)."""
    return shared_exports(tmp_path_factory)
