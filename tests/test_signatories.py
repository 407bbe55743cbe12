"""Signatory lists: data file → count line with plural forms, isolated names, order, columns."""

from __future__ import annotations

import re
from pathlib import Path

import pypdf
import pytest

from publish.errors import SourceError
from publish.i18n import Digits, load_strings
from publish.model import Meta, Source
from publish.parse import make_parser, parse
from publish.signatories import Signatory, count_line, read_signatories, sort_by_name

from .conftest import ROOT

STRINGS = {lang: load_strings([ROOT / "layouts" / "base"], lang, ROOT) for lang in ("en", "fr", "ar")}


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (1, "وقّع هذا البيان شخص واحد ومنظمة واحدة:"),
        (2, "وقّع هذا البيان شخصان ومنظمتان:"),
        (3, "وقّع هذا البيان 3 أشخاص و3 منظمات:"),
        (11, "وقّع هذا البيان 11 شخصًا و11 منظمة:"),
        (100, "وقّع هذا البيان 100 شخص و100 منظمة:"),
    ],
)
def test_arabic_count_line_uses_the_six_plural_forms(n: int, expected: str) -> None:
    assert count_line(n, n, "ar", STRINGS["ar"], Digits.LATIN) == expected


def test_count_line_in_each_language_and_digits() -> None:
    assert (
        count_line(27, 948, "en", STRINGS["en"], Digits.LATIN)
        == "Statement signed by 948 individuals and 27 organisations:"
    )
    assert count_line(1, 1, "en", STRINGS["en"], Digits.LATIN) == "Statement signed by 1 individual and 1 organisation:"
    assert count_line(27, 1948, "fr", STRINGS["fr"], Digits.LATIN) == (
        "Déclaration signée par 1\u202f948 personnes et 27 organisations :"
    )
    assert count_line(27, 948, "ar", STRINGS["ar"], Digits.ARABIC_INDIC) == "وقّع هذا البيان ٩٤٨ شخصًا و٢٧ منظمة:"


def test_sort_by_name_collates_instead_of_comparing_code_points() -> None:
    people = [Signatory(n) for n in ("Zoe", "Éva", "eva", "Alpha", "مزايا", "ابن")]
    assert [p.name for p in sort_by_name(people)] == ["Alpha", "eva", "Éva", "Zoe", "ابن", "مزايا"]


def test_bad_data_file_names_file_and_line(tmp_path: Path) -> None:
    data = tmp_path / "signatories.csv"
    data.write_text("name,kind\nHurras,organisation\nX,company\n")
    with pytest.raises(SourceError) as caught:
        read_signatories(data, Path("briefings/s/signatories.csv"))
    assert str(caught.value).startswith('briefings/s/signatories.csv:3: kind must be "organisation" or "individual"')
    data.write_text("nom,kind\nHurras,organisation\n")
    with pytest.raises(SourceError, match="unknown column 'nom'"):
        read_signatories(data, Path("s.csv"))


def test_each_name_is_isolated_in_its_own_direction(tmp_path: Path) -> None:
    (tmp_path / "signatories.csv").write_text(
        "name,other_name,country,kind\nمزايا النسائية,Mazaya Women Org.,,organisation\nWe Exist!,,Syria,organisation\n"
        "Leila,,,individual\n",
        encoding="utf-8",
    )
    body = "::: signatories file=signatories.csv individuals=2 sort=name\n:::\n"
    html = {}
    for lang in ("en", "ar", "fr"):
        source = Source("s", lang, tmp_path / f"{lang}.md", Meta(title="t"), body, 1)
        html[lang] = parse(source, make_parser(), Digits.LATIN, STRINGS[lang]).html
    assert (
        '<li class="signatory signatory-organisation">'
        '<bdi dir="rtl" lang="ar">مزايا النسائية</bdi> – Mazaya Women Org.</li>' in html["en"]
    )
    assert (
        '<li class="signatory signatory-organisation">مزايا النسائية – <bdi dir="ltr">Mazaya Women Org.</bdi></li>'
        in html["ar"]
    )
    # Names are data: no French space is slipped before the "!" of "We Exist!".
    assert "We Exist! (Syria)" in html["fr"]
    assert "Déclaration signée par 3\u00a0personnes" not in html["fr"]
    assert "Déclaration signée par 3 personnes et 2 organisations\u00a0:" in html["fr"]
    assert html["en"].index("Leila") < html["en"].index("We Exist!")  # collated order


@pytest.mark.parametrize("lang", ["en", "fr", "ar"])
def test_statement_pdf_lists_every_signatory_once(built: Path, lang: str) -> None:
    # pypdf reads glyphs in drawing order, column after column; poppler's layout analysis
    # interleaves the two columns line by line.
    reader = pypdf.PdfReader(built / "pdf" / f"idlib-statement-2020.{lang}.pdf")
    text = " ".join(page.extract_text() for page in reader.pages)
    people = read_signatories(ROOT / "briefings" / "idlib-statement-2020" / "signatories.csv", Path("s.csv"))
    assert len(people) == 27
    # Lines of a narrow column wrap; the invisible direction marks written for poppler around a
    # Latin name in an Arabic line (publish.pdftext) come out of pypdf where it wraps.
    flat = re.sub(r"\s+", " ", re.sub("[\u200e\u200f]", "", text))
    for person in people:
        for name in (person.name, person.other_name):
            if name and not re.search("[\u0600-\u06ff]", name):  # Arabic extraction is issue 10
                assert flat.count(name) == 1, name
    count = {"en": "948 individuals and 27 organisations", "fr": "948 personnes et 27 organisations", "ar": "948"}[lang]
    assert count in flat
