"""The `tfgan-zoo` command line."""

import subprocess
import sys

import numpy as np

from tests.conftest import REPO, tiny_config_path
from tfgan_zoo import cli, tasks


def test_list(capsys):
    assert cli.main(["list"]) == 0
    out = capsys.readouterr().out
    assert "dcgan" in out and tasks.IMAGE_TO_IMAGE.name in out and tasks.OPTIONAL_CLASS_CONDITIONAL.name in out


def test_train_then_sample(tmp_path, capsys):
    assert cli.main(["train", "--config", tiny_config_path("cgan"), "--workdir", str(tmp_path)]) == 0
    assert "trained steps 0 → 2" in capsys.readouterr().out
    out = tmp_path / "s.png"
    npy = tmp_path / "s.npy"
    assert cli.main(["sample", "--config", tiny_config_path("cgan"), "--checkpoint", str(tmp_path / "checkpoints"),
                     "--labels", "1,2,3", "--out", str(out), "--npy", str(npy)]) == 0
    assert out.exists() and np.load(npy).shape == (3, 8, 8, 1)


def test_bad_config_key_is_a_clear_error(tmp_path, capsys):
    rc = cli.main(["train", "--config", tiny_config_path("dcgan"), "--set", "train.stpes=3",
                   "--workdir", str(tmp_path)])
    assert rc == 2
    err = capsys.readouterr().err
    assert "train.stpes" in err and "steps" in err


def test_sample_with_missing_checkpoint(tmp_path, capsys):
    rc = cli.main(["sample", "--config", tiny_config_path("dcgan"), "--checkpoint", str(tmp_path / "nope")])
    assert rc == 2 and "No checkpoint" in capsys.readouterr().err


def test_console_script_help():
    r = subprocess.run([sys.executable, "-m", "tfgan_zoo.cli", "--help"], cwd=REPO, capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0 and "demo" in r.stdout and "train" in r.stdout
    for command in cli.SUBCOMMANDS:  # export, serve and eval import and are listed
        assert command in r.stdout
    assert "UNAVAILABLE" not in r.stdout, r.stdout


def test_a_subcommand_that_fails_to_import_says_why(monkeypatch, capsys):
    # None in sys.modules makes `import tfgan_zoo.serving.cli_commands` raise ImportError, as a missing dependency would
    monkeypatch.setitem(sys.modules, "tfgan_zoo.serving.cli_commands", None)
    parser = cli.build_parser()
    assert "UNAVAILABLE: importing tfgan_zoo.serving.cli_commands failed" in " ".join(parser.format_help().split())
    rc = cli.main(["serve", "--model_base_path", "models", "--port", "0"])
    err = capsys.readouterr().err
    assert rc == 2
    assert "tfgan-zoo serve: error:" in err and "importing tfgan_zoo.serving.cli_commands failed" in err
    assert "ModuleNotFoundError" in err  # the reason
    assert cli.main(["list"]) == 0  # the other commands still work


def test_train_into_a_used_workdir_needs_resume_or_overwrite(tmp_path, capsys):
    args = ["train", "--config", tiny_config_path("dcgan"), "--workdir", str(tmp_path)]
    assert cli.main(args) == 0
    ckpts = sorted(p.name for p in (tmp_path / "checkpoints").iterdir())
    capsys.readouterr()
    assert cli.main(args) == 2
    err = capsys.readouterr().err
    assert "error:" in err and "--resume" in err and "--overwrite" in err
    assert sorted(p.name for p in (tmp_path / "checkpoints").iterdir()) == ckpts
    assert cli.main(args + ["--resume"]) == 0
    assert cli.main(args + ["--overwrite"]) == 0
    assert "trained steps 0 →" in capsys.readouterr().out
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("checkpoints.old-")]


def test_sample_with_a_checkpoint_of_another_model_is_a_clear_error(tmp_path, capsys):
    assert cli.main(["train", "--config", tiny_config_path("dcgan"), "--workdir", str(tmp_path)]) == 0
    capsys.readouterr()
    rc = cli.main(["sample", "--config", tiny_config_path("dcgan"), "--set", "model.params.g_base_filters=8",
                   "--checkpoint", str(tmp_path / "checkpoints"), "--out", str(tmp_path / "s.png")])
    assert rc == 2
    err = capsys.readouterr().err
    assert "error:" in err and "does not match" in err and "Traceback" not in err


def test_export_over_an_existing_version_is_a_clear_error(tmp_path, capsys):
    args = ["export", "--config", tiny_config_path("dcgan"), "--out", str(tmp_path), "--version", "1", "--no_verify"]
    assert cli.main(args) == 0
    capsys.readouterr()
    assert cli.main(args) == 2
    err = capsys.readouterr().err
    assert "error:" in err and "already exists" in err


def test_serve_on_a_port_in_use_is_a_clear_error(tmp_path, capsys):
    import socket

    assert cli.main(["export", "--config", tiny_config_path("dcgan"), "--out", str(tmp_path), "--no_verify"]) == 0
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = str(busy.getsockname()[1])
        for flags in (["--port", port, "--rest_api_port", "0"], ["--port", "0", "--rest_api_port", port]):
            capsys.readouterr()
            rc = cli.main(["serve", "--model_base_path", str(tmp_path / "dcgan"), "--host", "127.0.0.1",
                           "--no_warmup", *flags])
            assert rc == 2
            err = capsys.readouterr().err
            assert "error:" in err and port in err, err


def test_demo_runs_again_into_the_same_folder_and_keeps_the_first_run(tmp_path, capsys):
    from tfgan_zoo.cli import main

    for _ in range(2):
        assert main(["demo", "--out", str(tmp_path), "--steps", "2"]) == 0
        assert "max |served - in-process|" in capsys.readouterr().out
    moved = [p.name for p in (tmp_path / "run").iterdir() if ".old-" in p.name]
    assert any(name.startswith("checkpoints.old-") for name in moved), moved
    assert sorted(p.name for p in (tmp_path / "export" / "dcgan_digits").iterdir() if p.name.isdigit()) == ["1", "2"]


def test_training_on_an_empty_image_folder_is_a_clear_error(tmp_path, capsys):
    from tfgan_zoo.cli import main

    (tmp_path / "empty").mkdir()
    code = main(["train", "--config", "zoo_configs/dcgan/dcgan_tiny.yaml", "--workdir", str(tmp_path / "run"),
                 "--set", "data.source=folder", "--set", f"data.path={tmp_path / 'empty'}"])
    assert code == 2
    err = capsys.readouterr().err
    assert "error: No images" in err and "empty" in err and "Traceback" not in err
