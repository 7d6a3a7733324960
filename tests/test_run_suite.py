"""The test command's sharding: consecutive, complete, files kept together where a file fits in a shard."""

import importlib.util
import os

_spec = importlib.util.spec_from_file_location("run_suite", os.path.join(os.path.dirname(__file__), "run_suite.py"))
run_suite = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(run_suite)


def _ids(sizes):
    return [f"tests/f{i}.py::t{j}" for i, n in enumerate(sizes) for j in range(n)]


def test_shards_are_consecutive_complete_and_keep_files_together():
    ids = _ids([10, 10, 10, 10, 10, 10])
    parts = run_suite.shards(ids, 3)
    assert sum(parts, []) == ids and len(parts) == 3
    assert [len(p) for p in parts] == [20, 20, 20]
    for part in parts[:-1]:
        nxt = parts[parts.index(part) + 1]
        assert part[-1].split("::")[0] != nxt[0].split("::")[0], "a file was split although it fits a shard"


def test_a_file_larger_than_a_shard_is_cut_and_tiny_runs_have_one_shard():
    ids = _ids([5, 90, 5])
    parts = run_suite.shards(ids, 4)
    assert sum(parts, []) == ids and max(len(p) for p in parts) <= 1.25 * len(ids) / 4 + 1
    assert run_suite.shards(ids[:1], 5) == [ids[:1]]


def test_contract_tests_weigh_more_so_their_shards_hold_fewer_tests():
    ids = [f"tests/contract/test_model_contract.py::test_xla_fit[m{i}]" for i in range(20)] + _ids([100] * 5)
    parts = run_suite.shards(ids, 6)
    assert sum(parts, []) == ids
    contract_shards = [p for p in parts if p[0].startswith("tests/contract/")]
    other_shards = [p for p in parts if not p[0].startswith("tests/contract/")]
    assert len(contract_shards) >= 3 and max(map(len, contract_shards)) < min(map(len, other_shards))


def test_the_shard_count_grows_with_the_estimated_memory():
    light = _ids([100] * 5)
    assert run_suite.shard_count(light) == run_suite.DEFAULT_SHARDS
    heavy = [f"tests/contract/test_model_contract.py::test_mirrored_two[m{i}]" for i in range(200)]
    n = run_suite.shard_count(heavy + light)
    assert n > run_suite.DEFAULT_SHARDS
    for part in run_suite.shards(heavy + light, n):
        assert sum(map(run_suite.weight, part)) <= 1.25 * run_suite.SHARD_BUDGET_MB + 600


def test_paths_choose_the_collection_and_options_reach_every_shard(monkeypatch):
    calls = []

    class Done:
        returncode = 0

    monkeypatch.setattr(run_suite, "collect", lambda args: _ids([3, 3]))
    monkeypatch.setattr(run_suite.subprocess, "run", lambda cmd, cwd: calls.append(cmd) or Done())
    monkeypatch.setenv("TFGAN_ZOO_TEST_SHARDS", "2")
    assert run_suite.main(["tests/config", "-m", "not slow"]) == 0
    assert len(calls) == 2
    for cmd in calls:
        assert cmd[3:7] == ["-n", "2", "-m", "not slow"] and "tests/config" not in cmd
