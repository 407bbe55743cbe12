"""Hostile input from a pull request: a briefing, brand or layout that tries to run code or publish a file.

Each test commits what a hostile contributor would, builds as CI does, and asserts the message, the
exit status, and that the marker or secret is nowhere: not written, not in build/, not in a release.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT, MakeProject

SECRET = "PUBLISH-TEST-SECRET-7f3a"
"""Stands for a CI token: in the environment of every build these tests run."""


@pytest.fixture
def project(tmp_path: Path, make_project: MakeProject) -> Path:
    """A project with the repository's layouts and fonts and one good briefing in English and Arabic."""
    root = make_project(tmp_path / "project")
    write(root, "good/en.md", "---\ntitle: Good briefing\n---\n\nAll is well.\n")
    write(root, "good/ar.md", "---\ntitle: إحاطة جيدة\n---\n\nكل شيء على ما يرام.\n")
    return root


def write(root: Path, name: str, text: str) -> Path:
    path = root / "briefings" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def publish(project: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "NO_COLOR": "1", "PUBLISH_TEST_TOKEN": SECRET}
    return subprocess.run(
        [sys.executable, "-m", "publish", *args], cwd=project, capture_output=True, text=True, env=env, timeout=600
    )


def leaked(folder: Path, secret: str = SECRET) -> list[str]:
    """Return the files under `folder` that hold `secret`, archives read as they are."""
    return [str(p) for p in folder.rglob("*") if p.is_file() and secret.encode() in p.read_bytes()]


# --- 1. code execution through `brand:` -----------------------------------------------------------

EVIL_TEMPLATE = "<p>{{ cycler.__init__.__globals__.os.system('touch MARKER') }}</p>"


@pytest.fixture
def evil_folder(project: Path) -> Path:
    """Templates outside layouts/ that would run a shell command when rendered."""
    for where in ("briefings/demo/templates", "evil/templates"):
        folder = project / where
        folder.mkdir(parents=True)
        (folder / "print.html.j2").write_text(EVIL_TEMPLATE.replace("MARKER", str(project / "MARKER")))
        (folder / "web.html.j2").write_text(EVIL_TEMPLATE.replace("MARKER", str(project / "MARKER")))
    return project / "evil"


@pytest.mark.parametrize(
    "brand", ["../briefings/demo", "../evil", "/etc", "we-exist/../../evil", "we-exist/", ".", "a b", "\u202eevil"]
)
def test_a_front_matter_brand_is_a_plain_folder_name(project: Path, evil_folder: Path, brand: str) -> None:
    write(project, "x/en.md", f"---\ntitle: X\nbrand: {brand!r}\n---\n\nText.\n")
    done = publish(project, "build", "briefings/x")
    assert done.returncode == 1
    assert "briefings/x/en.md:3: invalid brand" in done.stderr
    assert "letters, digits, - and _" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (project / "MARKER").exists()


def test_a_briefing_toml_brand_is_a_plain_folder_name(project: Path, evil_folder: Path) -> None:
    write(project, "x/en.md", "---\ntitle: X\n---\n\nText.\n")
    write(project, "x/briefing.toml", f'# a partner\'s briefing\nbrand = "{evil_folder}"\n')
    for command in ("build", "check"):
        done = publish(project, command, "briefings/x")
        assert done.returncode == 1, command
        assert "briefings/x/briefing.toml:2: invalid brand" in done.stderr, command
    assert not (project / "MARKER").exists()


def test_publish_new_refuses_a_brand_that_is_a_path(project: Path) -> None:
    for brand in ("/etc", "../layouts/base", "base/../we-exist"):
        done = publish(project, "new", "x", "--brand", brand)
        assert done.returncode == 1, brand
        assert "invalid brand" in done.stderr, brand
    assert not (project / "briefings" / "x").exists()


def test_a_project_default_brand_is_a_plain_folder_name(project: Path) -> None:
    (project / "publish.toml").write_text('[project]\ntitle = "Test"\ndefault_brand = "../briefings"\n')
    done = publish(project, "build", "--format", "html")
    assert done.returncode == 1
    assert "publish.toml:3:" in done.stderr and "invalid brand" in done.stderr


def test_a_brand_folder_linked_outside_layouts_is_refused(project: Path, evil_folder: Path) -> None:
    (project / "layouts" / "linked").symlink_to(evil_folder)
    write(project, "x/en.md", "---\ntitle: X\nbrand: linked\n---\n\nText.\n")
    done = publish(project, "build", "briefings/x")
    assert done.returncode == 1
    assert 'brand "linked" is a link to a folder outside layouts/' in done.stderr
    assert not (project / "MARKER").exists()


def test_layouts_render_in_a_sandbox(project: Path) -> None:
    """A brand folder inside layouts/ is still untrusted: its templates cannot reach Python's internals."""
    brand = project / "layouts" / "partner" / "templates"
    brand.mkdir(parents=True)
    marker = project / "MARKER"
    for name in ("print.html.j2", "web.html.j2"):
        (brand / name).write_text(EVIL_TEMPLATE.replace("MARKER", str(marker)))
    write(project, "x/en.md", "---\ntitle: X\nbrand: partner\n---\n\nText.\n")
    done = publish(project, "build")
    assert done.returncode == 1
    assert "layouts/partner/templates/" in done.stderr and "unsafe" in done.stderr
    assert "Traceback" not in done.stderr
    assert not marker.exists()
    # The good briefing still builds, with the same layouts.
    assert (project / "build" / "pdf" / "good.en.pdf").is_file()


def test_a_template_linked_outside_the_project_is_refused(project: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside.html.j2"
    outside.write_text(f"<p>{SECRET}</p>")
    brand = project / "layouts" / "partner" / "templates"
    brand.mkdir(parents=True)
    (brand / "title-block.html.j2").symlink_to(outside)
    write(project, "x/en.md", "---\ntitle: X\nbrand: partner\n---\n\nText.\n")
    done = publish(project, "build", "briefings/x")
    assert done.returncode == 1
    assert "layouts/partner/templates/title-block.html.j2 leads outside the project" in done.stderr
    assert not leaked(project / "build")


# --- 2. links in layouts/*/css/ and fonts/ --------------------------------------------------------


@pytest.mark.parametrize("link", ["layouts/base/css/screen.css", "layouts/base/css/web-print.css"])
def test_a_stylesheet_linked_to_the_environment_is_not_published(project: Path, link: str) -> None:
    (project / link).unlink()
    (project / link).symlink_to("/proc/self/environ")
    done = publish(project, "build")
    assert done.returncode == 1
    assert f"{link} leads outside the project" in done.stderr
    assert "Traceback" not in done.stderr
    assert not leaked(project / "build")
    done = publish(project, "release")
    assert done.returncode == 1
    assert not leaked(project / "dist")


def test_a_font_licence_linked_outside_is_not_published(project: Path, tmp_path: Path) -> None:
    secret = tmp_path / "token.txt"
    secret.write_text(SECRET)
    (project / "fonts" / "OFL-extra.txt").symlink_to(secret)
    done = publish(project, "build", "--format", "html")
    assert done.returncode == 1
    assert "fonts/OFL-extra.txt leads outside the project" in done.stderr
    assert not leaked(project / "build")


def test_a_stylesheet_that_is_not_a_regular_file_is_refused(project: Path) -> None:
    css = project / "layouts" / "base" / "css" / "screen.css"
    css.unlink()
    os.mkfifo(css)  # reading it would block the build for ever
    done = publish(project, "build", "--format", "html")
    assert done.returncode == 1
    assert "layouts/base/css/screen.css is not a regular file" in done.stderr


def test_a_font_face_outside_the_project_is_not_subset_or_published(project: Path, tmp_path: Path) -> None:
    outside = tmp_path / "Elsewhere.ttf"
    shutil.copy2(ROOT / "fonts" / "NotoSans-Regular.ttf", outside)
    fonts_css = project / "layouts" / "base" / "css" / "fonts.css"
    fonts_css.write_text(
        fonts_css.read_text() + f'\n@font-face {{ font-family: "Elsewhere"; src: url("{outside}"); }}\n'
    )
    done = publish(project, "build", "--format", "html")
    assert done.returncode == 1
    assert "is outside the project" in done.stderr
    assert not list((project / "build").rglob("Elsewhere*"))


# --- 5. a language file that never ends -----------------------------------------------------------


@pytest.mark.parametrize("kind", ["link to /dev/zero", "named pipe"])
def test_a_language_file_that_never_ends_is_refused(project: Path, kind: str) -> None:
    path = project / "briefings" / "good" / "fr.md"
    if kind == "named pipe":  # inside the project, but never ends either
        os.mkfifo(path)
        expected = "briefings/good/fr.md: not a regular file: refused"
    else:
        path.symlink_to("/dev/zero")
        expected = "briefings/good/fr.md leads outside the project: refused"
    done = publish(project, "build", "--format", "html")
    assert done.returncode == 1
    assert expected in done.stderr
    assert "internal error" not in done.stderr
    assert (project / "build" / "site" / "en" / "good" / "index.html").is_file()


# --- 16. a damaged build record -------------------------------------------------------------------


@pytest.mark.slow  # six builds in a row
def test_a_manifest_of_the_wrong_shape_is_treated_as_no_cache(project: Path) -> None:
    assert publish(project, "build", "--format", "html").returncode == 0
    manifest = project / "build" / ".cache" / "manifest.json"
    data = json.loads(manifest.read_text())
    again = publish(project, "-v", "build", "--format", "html")
    assert again.returncode == 0 and "unchanged" in again.stdout + again.stderr  # the real one is read
    for damaged in (
        {**data, "records": []},
        {**data, "records": {"x": {"inputs": 1, "files": {}}}},
        {**data, "records": {k: {**v, "files": {"a": "b"}} for k, v in data["records"].items()}},
        {**data, "memo": 7},
    ):
        manifest.write_text(json.dumps(damaged))
        done = publish(project, "build", "--format", "html")
        assert done.returncode == 0, done.stderr
        assert "internal error" not in done.stderr


# --- 15. odd --out --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("out", "message"),
    [
        ("", "--out needs a folder name"),
        ("publish.toml", "--out publish.toml is a file, not a folder"),
        (".", "--out . would write into the project's sources"),
        ("briefings/good", "would write into the project's sources"),
        ("layouts", "would write into the project's sources"),
    ],
)
def test_an_odd_out_folder_is_refused_with_a_message(project: Path, out: str, message: str) -> None:
    before = sorted(p.relative_to(project) for p in project.rglob("*"))
    done = publish(project, "build", "--format", "html", "--out", out)
    assert done.returncode in (1, 2), done.stderr
    assert message in done.stderr
    assert "internal error" not in done.stderr
    assert sorted(p.relative_to(project) for p in project.rglob("*")) == before


# --- 11 and 14. names and places of briefings ---------------------------------------------------------


@pytest.mark.parametrize("name", ["q?z", "a b", "-rf", "x\u202ey", "Big-Report"])
def test_a_folder_publish_new_would_refuse_is_refused_by_the_build_too(project: Path, name: str) -> None:
    write(project, f"{name}/en.md", "---\ntitle: Odd name\n---\n\nA body.\n")
    run = publish(project, "build", "--format", "html")
    shown = name.replace("\u202e", "\\u202e")
    assert run.returncode == 1, run.stderr
    assert f'"{shown}" cannot name a briefing folder' in run.stderr
    assert "\u202e" not in run.stderr  # the name is shown escaped: it cannot turn the message around
    assert "Traceback" not in run.stderr
    site = project / "build" / "site"
    assert (site / "en" / "good" / "index.html").is_file()  # the good briefing is built all the same
    assert not (site / "en" / name).exists()
    assert "Odd name" not in (site / "en" / "index.html").read_text(encoding="utf-8")
    assert name not in (site / "sitemap.xml").read_text(encoding="utf-8")
    new = publish(project, "new", "--", name)
    assert new.returncode != 0 and "cannot name a briefing folder" in new.stderr


def test_a_language_file_in_capitals_is_not_a_second_english(project: Path) -> None:
    write(project, "good/EN.md", "---\ntitle: Shouting\n---\n\nA body.\n")
    run = publish(project, "build", "--format", "html")
    assert run.returncode == 1
    assert '"EN.md" is not named after a language' in run.stderr and "rename it en.md" in run.stderr
    site = project / "build" / "site"
    assert (site / "en" / "good" / "index.html").is_file()
    assert not (site / "EN").exists()
    assert "Shouting" not in (site / "index.html").read_text(encoding="utf-8")
    new = publish(project, "new", "fine", "--lang", "EN")
    assert new.returncode != 0 and "write en" in new.stderr


def test_a_briefing_folder_linked_from_outside_is_refused(project: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "en.md").write_text(f"---\ntitle: Linked\n---\n\n{SECRET}\n", encoding="utf-8")
    (project / "briefings" / "linked").symlink_to(elsewhere)
    run = publish(project, "build")
    assert run.returncode == 1
    assert "briefings/linked: not a folder of the project's briefings/" in run.stderr
    assert (project / "build" / "pdf" / "good.en.pdf").is_file()
    assert not leaked(project / "build")


def test_a_language_file_linked_from_outside_is_refused(project: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside.md"
    outside.write_text(f"---\ntitle: Linked\n---\n\n{SECRET}\n", encoding="utf-8")
    (project / "briefings" / "good" / "fr.md").symlink_to(outside)
    run = publish(project, "build")
    assert run.returncode == 1
    assert "briefings/good/fr.md leads outside the project: refused" in run.stderr
    assert (project / "build" / "pdf" / "good.en.pdf").is_file()
    assert not leaked(project / "build")


# --- 19. values nobody checked ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("attribute", "message", "hint"),
    [
        ("english", "{lang=english} is not a BCP-47 language code", "write a code such as en, ar, fr"),
        ("EN", "{lang=EN} is not a BCP-47 language code", "write en"),
        ("xx", "{lang=xx} is not a language Babel knows", "write a code such as en, ar, fr"),
        ('"a\u202eb"', "{lang=a\\u202eb} is not a BCP-47 language code", "write a code such as en, ar, fr"),
    ],
)
def test_a_lang_attribute_must_name_a_language(project: Path, attribute: str, message: str, hint: str) -> None:
    write(project, "good/en.md", f"---\ntitle: Good briefing\n---\n\nAll is well.\n\n[Bonjour]{{lang={attribute}}}\n")
    run = publish(project, "check")
    assert run.returncode == 1
    assert f"briefings/good/en.md:7: {message}" in run.stderr
    assert f"hint: {hint}" in run.stderr
    assert "\u202e" not in run.stderr


@pytest.mark.parametrize("key", ["authors", "title"])
def test_a_right_to_left_override_in_front_matter_is_refused(project: Path, key: str) -> None:
    value = "Alliance \u202eevil\u202c"
    lines = {"title": "Good briefing", "authors": "Someone"} | {key: value}
    write(project, "good/en.md", f"---\ntitle: {lines['title']}\nauthors: {lines['authors']}\n---\n\nAll is well.\n")
    run = publish(project, "build", "--format", "pdf")
    assert run.returncode == 1
    line = 2 if key == "title" else 3
    assert f'briefings/good/en.md:{line}: "{key}" holds U+202E (right-to-left override)' in run.stderr
    assert not (project / "build" / "pdf" / "good.en.pdf").exists()
    assert (project / "build" / "pdf" / "good.ar.pdf").is_file()


# --- 17. raw HTML: a list of what is permitted, and the network rule on the web page too -----------


@pytest.mark.parametrize("tag", ["plaintext", "script", "xmp", "noscript", "textarea", "svg", "a"])
def test_allow_html_names_only_permitted_tags(project: Path, tag: str) -> None:
    (project / "publish.toml").write_text(f'[project]\ntitle = "T"\n[markdown]\nallow_html = ["abbr", "{tag}"]\n')
    run = publish(project, "check")
    assert run.returncode != 0
    assert f"cannot allow '{tag}'" in run.stderr and "Traceback" not in run.stderr


def test_a_raw_image_from_an_unlisted_host_is_refused_on_the_web_too(project: Path) -> None:
    config = '[project]\ntitle = "T"\n[markdown]\nallow_html = ["img", "abbr"]\n'
    (project / "publish.toml").write_text(config)
    body = 'Tracked.\n\n<img src="https://tracker.example/pixel.png" alt="">\n\n<abbr title="x">UN</abbr>\n'
    write(project, "good/en.md", f"---\ntitle: Good briefing\n---\n\n{body}")
    run = publish(project, "build", "--format", "html")
    assert run.returncode == 1
    assert "briefings/good/en.md:7: image https://tracker.example/pixel.png is on a host" in run.stderr
    assert not (project / "build" / "site" / "en" / "good" / "index.html").exists()
    (project / "publish.toml").write_text(config + '[network]\nallow = ["tracker.example"]\n')
    assert publish(project, "build", "--format", "html").returncode == 0
    page = (project / "build" / "site" / "en" / "good" / "index.html").read_text(encoding="utf-8")
    assert '<img src="https://tracker.example/pixel.png"' in page and "<abbr" in page


# --- 3. a PDF that would take hours ----------------------------------------------------------------


def use_bomb(levels: int = 8, uses: int = 10) -> str:
    """An SVG of 2 KB whose <use> references expand to uses**levels drawn circles."""
    defs = ['<circle id="l0" r="1"/>']
    for level in range(1, levels + 1):
        refs = "".join(f'<use xlink:href="#l{level - 1}" x="{n}"/>' for n in range(uses))
        defs.append(f'<g id="l{level}">{refs}</g>')
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="100" height="100">'
        f'<defs>{"".join(defs)}</defs><use xlink:href="#l{levels}"/></svg>'
    )


@pytest.mark.slow
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_pdf_that_takes_too_long_fails_alone(project: Path, jobs: str) -> None:
    (project / "publish.toml").write_text('[project]\ntitle = "T"\n[pdf]\ntime_limit = 3\n')
    # 14⁴ = 38,416 circles: under the refusal limit for SVGs, about 11 s of WeasyPrint's time here.
    write(project, "bomb/images/bomb.svg", use_bomb(levels=4, uses=14))
    write(project, "bomb/en.md", "---\ntitle: Bomb\n---\n\nText.\n\n![A bomb](images/bomb.svg)\n")
    run = publish(project, "build", "--format", "pdf", "--jobs", jobs)
    assert run.returncode == 1
    assert "briefings/bomb/en.md: the PDF took longer than 3 s to typeset: stopped" in run.stderr
    assert "Traceback" not in run.stderr
    assert (project / "build" / "pdf" / "good.en.pdf").is_file() and (
        project / "build" / "pdf" / "good.ar.pdf"
    ).is_file()
    assert not (project / "build" / "pdf" / "bomb.en.pdf").exists()


@pytest.mark.slow
def test_the_festival_pair_that_never_ends_stops_at_the_limit(tmp_path: Path) -> None:
    """The festival programme side by side keeps WeasyPrint laying out floats in a grid for hours."""
    for name in ("briefings", "layouts", "fonts"):
        shutil.copytree(ROOT / name, tmp_path / name, copy_function=os.link if name == "fonts" else shutil.copy2)
    (tmp_path / "publish.toml").write_text('[project]\ntitle = "T"\n[pdf]\ntime_limit = 5\n')
    run = publish(tmp_path, "pair", "briefings/syrien-nest-fait-2020", "en", "ar")
    assert run.returncode == 1
    assert "the PDF took longer than 5 s to typeset: stopped" in run.stderr and "[pdf] time_limit" in run.stderr
    assert not list((tmp_path / "build" / "pdf").glob("*.pdf")) if (tmp_path / "build" / "pdf").exists() else True


def test_an_svg_that_multiplies_itself_is_refused_at_its_line(project: Path) -> None:
    write(project, "bomb/images/bomb.svg", use_bomb())  # 10⁸ circles: hours
    write(project, "bomb/en.md", "---\ntitle: Bomb\n---\n\nText.\n\n![A bomb](images/bomb.svg)\n")
    for command in (["check"], ["build", "--format", "pdf"]):
        run = publish(project, *command)
        assert run.returncode == 1
        assert "briefings/bomb/en.md:7:" in run.stderr and "more than 100,000 elements" in run.stderr, run.stderr


def test_the_time_limit_is_checked(project: Path) -> None:
    for value in ("0", '"ten"', "100000"):
        (project / "publish.toml").write_text(f'[project]\ntitle = "T"\n[pdf]\ntime_limit = {value}\n')
        run = publish(project, "check")
        assert run.returncode != 0 and "pdf.time_limit" in run.stderr, run.stderr


# --- 4. the pixel limit, for images drawn inside an SVG too -----------------------------------------


def png_claiming(width: int, height: int) -> bytes:
    """A PNG whose header declares width × height pixels (its data is one empty row: never decoded)."""
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0")) + chunk(b"IEND", b"")


@pytest.mark.parametrize("pixels", [(13000, 13000), (9000, 9000)])
def test_an_image_inside_an_svg_obeys_the_pixel_limit(project: Path, pixels: tuple[int, int]) -> None:
    import base64

    png = base64.b64encode(png_claiming(*pixels)).decode()
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100">'
        f'<image href="data:image/png;base64,{png}" width="100" height="100"/></svg>'
    )
    write(project, "good/images/wrapped.svg", svg)
    write(
        project,
        "good/en.md",
        "---\ntitle: Good briefing\n---\n\nAll is well.\n\n![A wrapped PNG](images/wrapped.svg)\n",
    )
    run = publish(project, "build", "--format", "pdf", "--jobs", "2")
    assert run.returncode == 1
    assert "briefings/good/en.md: an image of the page is too large (over 80 megapixels)" in run.stderr
    assert "DecompressionBomb" not in run.stderr and "Traceback" not in run.stderr
    assert not (project / "build" / "pdf" / "good.en.pdf").exists()
    assert (project / "build" / "pdf" / "good.ar.pdf").is_file()


# --- 7. a damaged cache is never published ----------------------------------------------------------


def test_damaged_font_subsets_in_the_cache_are_made_again(project: Path) -> None:
    from fontTools.ttLib import TTFont

    env = {k: v for k, v in os.environ.items() if k != "PUBLISH_CACHE"}  # the project's own cache, in build/
    run = lambda *args: subprocess.run(  # noqa: E731
        [sys.executable, "-m", "publish", *args], cwd=project, capture_output=True, text=True, env=env
    )
    assert run("build", "--format", "html").returncode == 0
    cache = project / "build" / ".cache" / "fonts"

    def damage() -> int:
        files = list(cache.glob("*.woff2"))
        for path in files:
            path.write_bytes(path.read_bytes()[:50])
        return len(files)

    def published() -> list[Path]:
        fonts = list((project / "build" / "site").rglob("*.woff2"))
        for font in fonts:
            TTFont(font).getBestCmap()  # a 50-byte file does not open
        return fonts

    assert damage() > 0
    assert run("build", "--format", "html", "--force").returncode == 0
    assert published() and all(f.stat().st_size > 1000 for f in published())
    assert damage() > 0  # and once more, without --force: the damaged subsets are not trusted either
    shutil.rmtree(project / "build" / "site")
    assert run("build", "--format", "html").returncode == 0
    assert published() and all(f.stat().st_size > 1000 for f in published())
