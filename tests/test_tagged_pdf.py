"""The statement and the learning agreement are tagged PDFs (read with pikepdf, not with our own code): a structure
tree with headings, tables with header cells and a Figure with alternative text for the QR code; every piece of
text inside marked content; the English parts of a Latvian–English document marked /Lang en; the document's
language, title shown, bookmarks. Still signed (pyHanko) and verified."""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Iterator

import pikepdf
from fastapi.testclient import TestClient

from digcomp.store.db import Database
from tests.journey import API, ok, validated_mobility
from tests.test_certificates import pyhanko_modification

TEXT_SHOWING = {"Tj", "TJ", "'", '"'}


def _elements(node: pikepdf.Object) -> Iterator[pikepdf.Object]:
    if isinstance(node, pikepdf.Array):
        for kid in node:
            yield from _elements(kid)
    elif isinstance(node, pikepdf.Dictionary) and node.get("/Type") == "/StructElem":
        yield node
        if "/K" in node:
            yield from _elements(node.K)


def _unmarked_text(page: pikepdf.Page) -> int:
    """Text-showing operators outside any marked-content sequence on the page."""
    depth, outside = 0, 0
    for _, operator in pikepdf.parse_content_stream(page):
        name = str(operator)
        if name in ("BMC", "BDC"):
            depth += 1
        elif name == "EMC":
            depth -= 1
            assert depth >= 0, "EMC without its BMC/BDC"
        elif name in TEXT_SHOWING and depth == 0:
            outside += 1
    assert depth == 0, "marked content left open at the end of the page"
    return outside


def _check(pdf: bytes, name: str) -> Counter[str]:
    with pikepdf.open(io.BytesIO(pdf)) as document:
        root = document.Root
        assert root.MarkInfo.Marked is True, name
        assert str(root.Lang) == "lv", name
        assert root.ViewerPreferences.DisplayDocTitle is True, name
        assert str(document.docinfo["/Title"]), name
        with document.open_outline() as outline:
            assert len(outline.root) >= 3, f"{name}: the sections are bookmarked"
        elements = list(_elements(root.StructTreeRoot.K))
        kinds = Counter(str(e.S).lstrip("/") for e in elements)
        figures = [e for e in elements if e.S == "/Figure"]
        if name == "statement":
            assert any("QR" in str(e.get("/Alt", "")) for e in figures), f"{name}: the QR code has alternative text"
        assert all(str(e.get("/Alt", "")).strip() for e in figures), f"{name}: every figure has alternative text"
        english = [e for e in elements if str(e.get("/Lang", "")) == "en"]
        assert english, f"{name}: the English parts are marked"
        for number, page in enumerate(document.pages, start=1):
            assert _unmarked_text(page) == 0, f"{name}, page {number}: text outside marked content"
            assert "/StructParents" in page.obj, f"{name}, page {number}"
        parent_tree = root.StructTreeRoot.ParentTree.Nums
        assert len(parent_tree) == 2 * len(document.pages)
        return kinds


def test_the_statement_and_the_agreement_are_tagged(client: TestClient, database: Database) -> None:
    m = validated_mobility(client, database)
    base = f"{API}/mobilities/{m.id}"
    ok(client.post(f"{base}/certificate", headers=m.as_["validator"], json={"languages": "lv+en"}), 201)
    statement = client.get(f"{base}/certificate.pdf", headers=m.as_["learner"]).content
    agreement = client.get(f"{base}/plan/versions/1/agreement.pdf", headers=m.as_["learner"]).content
    for name, pdf in (("statement", statement), ("agreement", agreement)):
        kinds = _check(pdf, name)
        minimum = {"H1": 1, "H2": 3, "Table": 2, "TH": 4, "TD": 4, "P": 10, "Span": 10}
        assert all(kinds[kind] >= count for kind, count in minimum.items()), (name, kinds)
        assert pyhanko_modification(pdf) == "NONE", name  # the structure is written before the signature
        verified = ok(client.post(f"{API}/verifications", files={"file": (f"{name}.pdf", pdf, "application/pdf")}))
        assert verified["verdict"] == "valid", (name, verified)


def test_a_bilingual_label_reads_in_order() -> None:
    """The Latvian words of a label come before its English part in the structure, as on the page."""
    from digcomp.credentials.pdf import DocumentRenderer, build_pdf
    from digcomp.credentials.template import load_template

    template = load_template()
    renderer = DocumentRenderer(template, ["lv", "en"], "ab" * 32)
    story = [renderer._p(renderer._label("family_name"))]
    pdf = build_pdf(template, story, lambda canvas, doc: None, title="t", author="a", subject="s", lang="lv")
    with pikepdf.open(io.BytesIO(pdf)) as document:
        [paragraph] = [e for e in _elements(document.Root.StructTreeRoot.K) if e.S == "/P"]
        kids = list(paragraph.K)
        assert isinstance(kids[0], int)  # the Latvian words: the paragraph's own first marked content
        english = [k for k in kids if isinstance(k, pikepdf.Dictionary)]
        assert [str(k.Lang) for k in english] == ["en"]
        assert kids.index(english[0]) > 0
