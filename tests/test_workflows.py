"""CI workflows and the reusable action: lint-clean, pinned, least privilege, and their steps run as written.

The install and build steps of .github/workflows/release.yml and of action.yml are run here, from a
fresh clone, exactly as GitHub runs them (`bash --noprofile --norc -eo pipefail`), so they cannot
drift from the README and the Makefile. Nothing is downloaded: pip works offline against a copy of
the virtualenv running these tests, which already holds every dependency.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from publish import __version__
from publish.release import CHECKSUMS, SITE_ARCHIVE

from .conftest import BRIEFINGS, LANGS, ROOT, MakeProject, require_tool

WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
ACTION = ROOT / "action.yml"
RELEASE = ROOT / ".github" / "workflows" / "release.yml"
PR = ROOT / ".github" / "workflows" / "pr.yml"

# Steps of the release job, by id: those run here, and why the others are not.
RUN_HERE = ("prerequisites", "setup", "version", "release")
NOT_RUN_HERE = {
    "checkout": "the clone made here stands for it",
    "test": "it runs this very test suite",
    "upload": "it needs GitHub and its token",
}


def tool(name: str) -> str:
    """Return a checker installed in this virtualenv (the `dev` extra), else one on PATH."""
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.is_file() else require_tool(name)


def load(path: Path) -> dict[str, Any]:
    """Read a workflow or action file (YAML 1.1 reads the key `on` as True; put it back)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if True in data:
        data["on"] = data.pop(True)
    return data


def steps_by_id(path: Path, job: str) -> dict[str, dict[str, Any]]:
    return {step["id"]: step for step in load(path)["jobs"][job]["steps"]}


# --- lint and security ----------------------------------------------------------------------------


def test_actionlint_passes_on_every_workflow() -> None:
    assert WORKFLOWS, "no workflow found"
    # actionlint checks the shell of `run:` steps with the shellcheck it finds on PATH.
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run([tool("actionlint"), *map(str, WORKFLOWS)], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stdout + done.stderr


def test_zizmor_passes_on_the_workflows_and_the_action() -> None:
    done = subprocess.run(
        [tool("zizmor"), "--offline", "--no-progress", str(ROOT / ".github" / "workflows"), str(ACTION)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_readme_example_workflow_passes_actionlint_and_zizmor(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### Using publish from another repository") :]
    example = re.search(r"```yaml\n(.*?)```", section, re.DOTALL)[1]
    assert "OWNER/publish@FULL_COMMIT_SHA # vX.Y.Z" in example
    path = tmp_path / ".github" / "workflows" / "briefings.yml"
    path.parent.mkdir(parents=True)
    path.write_text(example.replace("OWNER/publish@FULL_COMMIT_SHA # vX.Y.Z", f"we-exist/publish@{'0' * 40} # v0.1.0"))
    for command in ([tool("actionlint"), str(path)], [tool("zizmor"), "--offline", "--no-progress", str(path)]):
        done = subprocess.run(command, capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr


def test_every_action_used_is_pinned_to_a_commit_with_its_version() -> None:
    checked = 0
    for path in [*WORKFLOWS, ACTION]:
        for line in path.read_text(encoding="utf-8").splitlines():
            match = re.search(r"\buses:\s*(\S+)(.*)", line)
            if not match or match[1].startswith("./"):
                continue
            checked += 1
            assert re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", match[1]), f"{path.name}: {line.strip()}"
            assert re.fullmatch(r"\s*# v\d[\w.]*", match[2]), f"{path.name}: say which version: {line.strip()}"
    assert checked >= 3, "the workflows' actions (checkout, setup-python, ...) were not found"


def test_workflows_have_least_privilege() -> None:
    release_workflow = load(RELEASE)
    assert release_workflow["permissions"] == {}
    assert release_workflow["on"] == {"push": {"tags": ["v*"]}}
    assert {name: job.get("permissions") for name, job in release_workflow["jobs"].items()} == {
        "release": {"contents": "write"}
    }
    pr_workflow = load(PR)
    assert list(pr_workflow["on"]) == ["pull_request"]
    assert pr_workflow["permissions"] == {"contents": "read"}
    assert all("permissions" not in job for job in pr_workflow["jobs"].values())
    assert not re.search(r"\$\{\{[^}]*\b(secrets|github\.token)\b", PR.read_text()), "no secrets in pull requests"
    for path in WORKFLOWS:
        for step in (s for job in load(path)["jobs"].values() for s in job["steps"]):
            if str(step.get("uses", "")).startswith("actions/checkout@"):
                assert step["with"]["persist-credentials"] is False, path.name


def test_pull_requests_install_and_build_like_the_release() -> None:
    release_steps, pr_steps = steps_by_id(RELEASE, "release"), steps_by_id(PR, "build")
    for step_id in ("prerequisites", "checkout", "setup", "release"):
        assert {k: v for k, v in pr_steps[step_id].items() if k != "if"} == release_steps[step_id], step_id


def test_pre_commit_runs_the_lint_tools_at_the_pinned_versions() -> None:
    done = subprocess.run(
        [tool("pre-commit"), "validate-config", ".pre-commit-config.yaml"], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr
    pins = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]["dev"])
    hooks = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())["repos"][0]["hooks"]
    used = {dep for hook in hooks for dep in hook.get("additional_dependencies", [])}
    assert used <= pins, f"pin these in pyproject.toml's dev extra too: {sorted(used - pins)}"
    assert {hook["entry"].split()[0] for hook in hooks} == {"ruff", "actionlint", "zizmor"}


# --- the steps themselves, from a fresh clone -----------------------------------------------------


@pytest.fixture
def clone(tmp_path: Path) -> Path:
    """Clone the repository, then lay the working tree's changes over it: what a commit would hold."""
    git = require_tool("git")
    target = tmp_path / "publish"
    subprocess.run([git, "clone", "--quiet", str(ROOT), str(target)], check=True)
    listed = subprocess.run(
        [git, "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        check=True,
        capture_output=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source, copy = ROOT / name, target / name
        if source.is_file():
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, copy)
        elif copy.is_file():
            copy.unlink()  # deleted in the working tree
    return target


def seed_venv(target: Path) -> None:
    """Copy the running virtualenv to `target` (no install stamp), so pip finds every dependency there.

    Packages are hard-linked, which costs nothing and is safe: pip and Python replace files rather
    than write into them. bin/ and pyvenv.cfg, which `python -m venv` rewrites in place, are copied.
    """
    source = Path(sys.prefix)
    if sys.prefix == sys.base_prefix:
        pytest.skip("the tests are not running in a virtualenv to copy")

    def link(src: str, dst: str) -> None:
        try:
            os.link(src, dst)
        except OSError:
            shutil.copy2(src, dst)

    target.mkdir(parents=True)
    for path in source.iterdir():
        if path.name == ".installed":
            continue
        if path.is_symlink():
            os.symlink(os.readlink(path), target / path.name)
        elif path.is_dir():
            copy = link if path.name == "lib" else shutil.copy2
            shutil.copytree(path, target / path.name, symlinks=True, copy_function=copy)
        else:
            shutil.copy2(path, target / path.name)


def offline_env(**extra: str) -> dict[str, str]:
    """Return the environment the steps run in: this one, with pip offline and no make or venv state."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("MAKE", "MFLAGS", "PIP_"))}
    env.pop("VIRTUAL_ENV", None)
    env.pop("SOURCE_DATE_EPOCH", None)
    env.update(
        PIP_NO_INDEX="1",
        # pip reads PIP_NO_BUILD_ISOLATION=0 as "build isolation off": build with the setuptools
        # installed in the venv instead of fetching one.
        PIP_NO_BUILD_ISOLATION="0",
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        DEBIAN_FRONTEND="noninteractive",
    )
    env.update(extra)
    return env


def run_step(script: str, cwd: Path, env: dict[str, str], tmp_path: Path, name: str, *, ok: bool = True) -> str:
    """Run a `run:` script as GitHub's `shell: bash` does; check it succeeds (or fails); return its output."""
    assert "${{" not in script, f"{name}: pass values through env:, not ${{{{ }}}} in the script"
    path = tmp_path / f"step-{name}.sh"
    path.write_text(script)
    done = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(path)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert (done.returncode == 0) is ok, f"step {name} exited with {done.returncode}:\n{done.stdout}\n{done.stderr}"
    return done.stdout + done.stderr


@pytest.mark.slow
def test_release_workflow_steps_run_from_a_fresh_clone(clone: Path, tmp_path: Path) -> None:
    workflow = load(RELEASE)
    assert workflow["defaults"]["run"]["shell"] == "bash"
    steps = workflow["jobs"]["release"]["steps"]
    ids = [step["id"] for step in steps]
    assert [i for i in ids if i in RUN_HERE] == list(RUN_HERE)
    unknown = [i for i in ids if i not in RUN_HERE and i not in NOT_RUN_HERE]
    assert not unknown, f"new steps {unknown}: run them here (RUN_HERE) or say why not (NOT_RUN_HERE)"
    assert steps[ids.index("checkout")]["uses"].startswith("actions/checkout@")

    seed_venv(clone / ".venv")
    # What GitHub would put in the steps' env: a tag pushed for the version in the source.
    github = {"github.ref_name": f"v{__version__}"}
    for step in steps:
        if step["id"] in RUN_HERE:
            step_env = {key: github[str(value).strip("${} ")] for key, value in step.get("env", {}).items()}
            run_step(step["run"], clone, offline_env(**step_env), tmp_path, step["id"])
    # A tag that does not match the version stops the release before anything is built.
    wrong = run_step(steps[ids.index("version")]["run"], clone, offline_env(TAG="v0.0.0"), tmp_path, "x", ok=False)
    assert f"tag v0.0.0 does not match publish {__version__}" in wrong

    dist = clone / "dist"
    pdfs = {f"{slug}.{lang}.pdf" for slug in BRIEFINGS for lang in LANGS}
    assert {path.name for path in dist.iterdir()} == pdfs | {SITE_ARCHIVE, CHECKSUMS}
    done = subprocess.run(
        [require_tool("sha256sum"), "--check", "--strict", CHECKSUMS], cwd=dist, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.slow
def test_action_steps_install_publish_and_build_a_project(
    clone: Path, tmp_path: Path, make_project: MakeProject
) -> None:
    action = load(ACTION)
    assert action["runs"]["using"] == "composite"
    # Another organisation's repository of briefings: its own project, no publish source in it.
    project = make_project(tmp_path / "their-briefings", config=None)
    shutil.copytree(clone / "briefings" / "idlib-statement-2020", project / "briefings" / "idlib-statement-2020")
    runner_temp = tmp_path / "runner-temp"
    seed_venv(runner_temp / "publish-venv")
    outputs = tmp_path / "github-output"

    def run(inputs: dict[str, str], only: str | None = None, ok: bool = True) -> str:
        output = ""
        given = {name: spec.get("default", "") for name, spec in action["inputs"].items()} | inputs
        expression = re.compile(r"\$\{\{\s*inputs\.([\w-]+)\s*\}\}")
        for step in action["runs"]["steps"]:
            if only and step.get("id") != only:
                continue
            step_env = {
                key: expression.sub(lambda m: given[m[1]], str(value)) for key, value in step.get("env", {}).items()
            }
            cwd = project / expression.sub(lambda m: given[m[1]], step.get("working-directory", "."))
            env = offline_env(
                GITHUB_ACTION_PATH=str(clone), RUNNER_TEMP=str(runner_temp), GITHUB_OUTPUT=str(outputs), **step_env
            )
            assert step["shell"] == "bash"
            output += run_step(step["run"], cwd, env, tmp_path, step.get("id", "step"), ok=ok)
        return output

    # The interpreter the seeded virtualenv was made with, so `python -m venv` keeps it as it is.
    python = str(Path(sys.base_prefix) / "bin" / "python3")
    run({"command": "build", "args": "--format pdf --lang ar briefings/idlib-statement-2020", "python": python})
    assert sorted(p.name for p in (project / "build" / "pdf").iterdir()) == ["idlib-statement-2020.ar.pdf"]
    assert outputs.read_text().splitlines()[-1] == f"out={project / 'build'}"

    # The output folder comes from the `out` input only, so the `out` output always names it.
    refused = run({"command": "build", "args": "--out elsewhere"}, only="publish", ok=False)
    assert "give the output folder with the `out` input, not --out in `args`" in refused
    assert not (project / "elsewhere").exists()

    run({"command": "release", "out": "release"}, only="publish")
    assert (project / "release" / CHECKSUMS).read_text().count(".pdf\n") == 3
    assert outputs.read_text().splitlines()[-1] == f"out={project / 'release'}"
