"""Lambda zips are byte-for-byte reproducible and their key changes exactly when their content does."""

from __future__ import annotations

import hashlib
import os
import shutil
import zipfile
from pathlib import Path

import pytest

from scripts.build.packaging import Package, build_all, build_package

LAMBDAS = Path(__file__).resolve().parents[2] / "lambdas"


@pytest.fixture
def sources(tmp_path: Path) -> Path:
    """A private copy of lambdas/ that a test may edit."""
    copy = tmp_path / "lambdas"
    shutil.copytree(LAMBDAS, copy, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


def digests(packages: list[Package]) -> dict[str, str]:
    return {p.function: p.sha256 for p in packages}


def test_two_builds_into_different_directories_are_identical(tmp_path: Path) -> None:
    first = build_all(LAMBDAS, tmp_path / "a")
    second = build_all(LAMBDAS, tmp_path / "b")

    assert [p.function for p in first] == ["payment_processor", "session_manager"]
    assert digests(first) == digests(second)
    for a, b in zip(first, second, strict=True):
        assert a.zip_path != b.zip_path
        assert a.zip_path.read_bytes() == b.zip_path.read_bytes()


def test_digest_and_key_address_the_zip_content(tmp_path: Path) -> None:
    for package in build_all(LAMBDAS, tmp_path):
        assert package.zip_path == tmp_path / f"{package.function}.zip"
        assert package.sha256 == hashlib.sha256(package.zip_path.read_bytes()).hexdigest()
        assert package.s3_key == f"lambdas/{package.function}/{package.sha256}.zip"


def test_file_times_modes_and_caches_do_not_change_the_digest(sources: Path, tmp_path: Path) -> None:
    before = digests(build_all(sources, tmp_path / "before"))
    handler = sources / "payment_processor" / "handler.py"
    os.utime(handler, (0, 2_000_000_000))
    handler.chmod(0o755)
    (sources / "payment_processor" / "__pycache__").mkdir()
    (sources / "payment_processor" / "__pycache__" / "handler.cpython-311.pyc").write_bytes(b"\0cache")
    (sources / "session_manager" / "stale.pyc").write_bytes(b"\0cache")
    (sources / "common" / ".DS_Store").write_bytes(b"finder")

    assert digests(build_all(sources, tmp_path / "after")) == before


def test_editing_a_function_changes_only_its_digest(sources: Path, tmp_path: Path) -> None:
    before = digests(build_all(sources, tmp_path / "before"))
    with (sources / "payment_processor" / "validation.py").open("a") as source:
        source.write("# edited\n")

    after = digests(build_all(sources, tmp_path / "after"))

    assert after["payment_processor"] != before["payment_processor"]
    assert after["session_manager"] == before["session_manager"]


def test_editing_shared_code_changes_every_digest(sources: Path, tmp_path: Path) -> None:
    before = digests(build_all(sources, tmp_path / "before"))
    with (sources / "common" / "apigw.py").open("a") as source:
        source.write("# edited\n")

    after = digests(build_all(sources, tmp_path / "after"))

    assert all(after[name] != before[name] for name in before)


def test_zip_entries_are_sorted_flat_and_normalised(tmp_path: Path) -> None:
    package = build_package(LAMBDAS / "payment_processor", tmp_path, [LAMBDAS / "common"])

    with zipfile.ZipFile(package.zip_path) as archive:
        entries = archive.infolist()
        assert archive.testzip() is None
    names = [e.filename for e in entries]
    assert names == sorted(names) == ["apigw.py", "handler.py", "ledger.py", "validation.py"]
    for entry in entries:
        assert entry.date_time == (1980, 1, 1, 0, 0, 0)
        assert entry.external_attr >> 16 == 0o100644
        assert entry.create_system == 3
    assert not package.zip_path.with_suffix(".zip.partial").exists()


def test_a_function_file_shadowing_a_shared_one_is_refused(sources: Path, tmp_path: Path) -> None:
    (sources / "session_manager" / "apigw.py").write_text("# a private copy\n")

    with pytest.raises(ValueError, match=r"apigw\.py exists in both"):
        build_all(sources, tmp_path)


def test_a_folder_without_handler_is_not_a_function(sources: Path, tmp_path: Path) -> None:
    (sources / "session_manager" / "handler.py").unlink()

    assert [p.function for p in build_all(sources, tmp_path)] == ["payment_processor"]
    with pytest.raises(ValueError, match=r"no handler\.py"):
        build_package(sources / "session_manager", tmp_path)


@pytest.mark.parametrize("name", ["Payment", "payment-processor", "_private"])
def test_function_folder_names_must_be_key_safe(tmp_path: Path, name: str) -> None:
    (tmp_path / name).mkdir()
    (tmp_path / name / "handler.py").write_text("")

    with pytest.raises(ValueError, match="function folder names"):
        build_package(tmp_path / name, tmp_path / "dist")


def test_a_tree_without_functions_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no function folders"):
        build_all(tmp_path, tmp_path / "dist")
