"""The lock: every dependency pinned with hashes, the lock files agreeing, and this environment matching them."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from .conftest import ROOT

LOCKS = {name: ROOT / "requirements" / f"{name}.txt" for name in ("lock", "bench", "runtime")}
PIN = re.compile(r"^([A-Za-z0-9][\w.-]*)==(\S+?)(?:\s*;\s*(.+?))?\s*\\$")


def pins(path: Path) -> dict[str, tuple[str, str | None]]:
    """Return {name: (version, marker)} for a lock file, checking each pin carries hashes."""
    found: dict[str, tuple[str, str | None]] = {}
    lines = path.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines):
        if not line or line[0] in " #":
            continue
        match = PIN.match(line)
        assert match, f"{path.name}:{number + 1}: not an exact pin: {line}"
        assert lines[number + 1].strip().startswith("--hash=sha256:"), f"{path.name}:{number + 1}: no hash"
        found[canonicalize_name(match[1])] = (match[2], match[3])
    return found


def declared() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    return [Requirement(r) for r in [*project["dependencies"], *extras["test"], *extras["dev"]]]


def test_every_declared_dependency_is_locked_within_its_range() -> None:
    locked = pins(LOCKS["lock"])
    for requirement in declared():
        name = canonicalize_name(requirement.name)
        assert name in locked, f"{requirement} is not in requirements/lock.txt: run `make lock`"
        assert requirement.specifier.contains(locked[name][0], prereleases=True), (requirement, locked[name])


def test_weasyprint_is_pinned_where_the_text_layer_expects_it() -> None:
    from publish.pdftext import WEASYPRINT_VERSION

    assert pins(LOCKS["lock"])["weasyprint"][0] == WEASYPRINT_VERSION
    assert f"weasyprint=={WEASYPRINT_VERSION}" in [str(r) for r in declared()]


def test_the_lock_files_name_the_same_versions() -> None:
    lock = pins(LOCKS["lock"])
    for name in ("bench", "runtime"):
        for package, (version, _) in pins(LOCKS[name]).items():
            if package in lock:
                assert lock[package][0] == version, f"{name}.txt has {package} {version}, lock.txt {lock[package][0]}"
    runtime = {
        canonicalize_name(Requirement(r).name)
        for r in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    }
    assert runtime <= set(pins(LOCKS["runtime"]))


def test_this_environment_is_the_lock() -> None:
    """What `make setup` installed is exactly what the lock says, for every package that applies here."""
    installed = {canonicalize_name(d.metadata["Name"]): d.version for d in metadata.distributions()}
    for name, (version, marker) in pins(LOCKS["lock"]).items():
        if marker is None or Marker(marker).evaluate():
            assert installed.get(name) == version, f"{name}: installed {installed.get(name)}, locked {version}"
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "check-lock"), str(LOCKS["lock"])], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr


def test_check_lock_names_a_package_that_drifted(tmp_path: Path) -> None:
    lock = tmp_path / "lock.txt"
    text = LOCKS["lock"].read_text(encoding="utf-8")
    version = pins(LOCKS["lock"])["babel"][0]
    lock.write_text(text.replace(f"babel=={version} \\", "babel==1.0 \\"), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "check-lock"), str(lock)], capture_output=True, text=True
    )
    assert done.returncode == 1
    assert f"babel is {version}, the lock says 1.0" in done.stderr
