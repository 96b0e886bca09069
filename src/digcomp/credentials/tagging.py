"""Tagged PDF (ISO 32000 §14.7–14.9) for documents drawn with ReportLab, whose open-source canvas has no tagging API.

While the document is drawn, ``TaggingCanvas`` wraps every piece of content in marked content: a paragraph's text
object gets ``/P <</MCID n>> BDC … EMC`` inside its ``BT … ET``; a change of language within it (``lang_marker``)
closes that sequence and opens a ``/Span`` with ``/Lang``; a picture or drawing is one ``/Figure`` sequence with its
alternative text; table backgrounds and rules, and anything drawn outside the story (the page footer), are
``/Artifact``. The logical structure is collected alongside (``Tagger``: Document → H1/H2/H3/P/Figure/Table →
TR → TH/TD …) and written after rendering with pikepdf (``apply``): the StructTreeRoot with its ParentTree, each
page's StructParents, ``/MarkInfo /Marked true``, the document ``/Lang``, ``DisplayDocTitle`` and bookmarks for the
section headings. Signing (PAdES, an incremental update) comes after and leaves all of it in place."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import quoteattr

import pikepdf
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph

LANG_CALLBACK = "lang"


@dataclass
class Content:
    page: int  # 1-based, as ReportLab counts
    mcid: int


@dataclass
class Element:
    tag: str
    lang: str | None = None
    alt: str | None = None
    kids: list[Element | Content] = field(default_factory=list)
    text: str = ""  # a heading's words, for its bookmark
    page: int = 0  # where a heading is


def lang_marker(language: str) -> str:
    """Paragraph markup switching the language of the text that follows ("" = back to the paragraph's)."""
    return f"<onDraw name={quoteattr(LANG_CALLBACK)} label={quoteattr(language or '-')}/>"


class Tagger:
    """The document's logical structure as it is drawn, and the marked-content identifiers per page."""

    def __init__(self, language: str) -> None:
        self.language = language
        self.document = Element("Document", lang=language)
        self.stack: list[Element] = [self.document]
        self.mcids: dict[int, int] = {}
        self.headings: list[Element] = []

    def open(self, tag: str, **attributes: Any) -> Element:
        element = Element(tag, **attributes)
        self.stack[-1].kids.append(element)
        self.stack.append(element)
        return element

    def close(self) -> None:
        if len(self.stack) > 1:
            self.stack.pop()

    def content(self, element: Element, page: int) -> str:
        """A new marked-content identifier on ``page`` for ``element``: its BDC operator."""
        mcid = self.mcids.get(page, 0)
        self.mcids[page] = mcid + 1
        element.kids.append(Content(page, mcid))
        return f"/{_name(element.tag)} <</MCID {mcid}>> BDC"


def _name(tag: str) -> str:
    return tag if tag in ("P", "H1", "H2", "H3", "Figure", "Span", "TH", "TD", "Caption") else "Span"


class TaggingCanvas(Canvas):  # type: ignore[misc]
    """A canvas that puts every text object in marked content (see the module's description)."""

    def __init__(self, *args: Any, tagger: Tagger, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tagger = tagger
        self.paragraph: Element | None = None  # the paragraph whose text is being drawn
        self.span: Element | None = None  # its part in another language, open
        self.figure_depth = 0  # inside a figure: its text is part of it
        self.setNamedCB(LANG_CALLBACK, self._switch_language)

    def drawText(self, aTextObject: Any) -> None:
        code: list[str] = aTextObject._code
        if self.paragraph is not None:
            code.insert(1, self.tagger.content(self.paragraph, self.getPageNumber()))
            code.append("EMC")
            self.span = None
        elif not self.figure_depth:
            code.insert(1, "/Artifact BMC")
            code.append("EMC")
        super().drawText(aTextObject)

    def _switch_language(self, canvas: Canvas, kind: str, label: str | None) -> None:
        """Called by a paragraph at a ``lang_marker``: the text after it is in ``label``'s language."""
        info = getattr(self, "_curr_tx_info", None)
        if self.paragraph is None or info is None:
            return
        code: list[str] = info["tx"]._code
        language = None if label in (None, "-") or label == self.paragraph.lang else label
        page = self.getPageNumber()
        code.append("EMC")
        if language is None or language == (self.paragraph.lang or self.tagger.language):
            code.append(self.tagger.content(self.paragraph, page))
            return
        span = Element("Span", lang=language)
        self.paragraph.kids.append(span)
        code.append(self.tagger.content(span, page))


class TaggedParagraph(Paragraph):  # type: ignore[misc]
    """A paragraph drawn as one structure element (P, H1 …), in ``lang`` when it differs from the document's."""

    def __init__(self, *args: Any, tag: str = "P", lang: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tag, self.lang = tag, lang

    def split(self, availWidth: float, availHeight: float) -> list[Any]:
        parts = super().split(availWidth, availHeight)
        for part in parts:
            if isinstance(part, Paragraph) and not isinstance(part, TaggedParagraph):
                part.__class__ = TaggedParagraph
            part.tag, part.lang = self.tag, self.lang
        return list(parts)

    def drawOn(self, canvas: Canvas, x: float, y: float, _sW: float = 0) -> None:
        if not isinstance(canvas, TaggingCanvas):
            super().drawOn(canvas, x, y, _sW)
            return
        element = canvas.tagger.open(self.tag, lang=self.lang)
        if self.tag.startswith("H"):
            element.text, element.page = self.getPlainText(), canvas.getPageNumber()
            canvas.tagger.headings.append(element)
        canvas.paragraph = element
        try:
            super().drawOn(canvas, x, y, _sW)
        finally:
            canvas.paragraph = None
            canvas.tagger.close()


class Figure(Flowable):  # type: ignore[misc]
    """A picture or drawing as a Figure with alternative text (what it shows, for whoever cannot see it)."""

    def __init__(self, inner: Flowable, alt: str) -> None:
        super().__init__()
        self.inner, self.alt = inner, alt
        self.hAlign = getattr(inner, "hAlign", "LEFT")

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        self.width, self.height = self.inner.wrap(availWidth, availHeight)
        return self.width, self.height

    def drawOn(self, canvas: Canvas, x: float, y: float, _sW: float = 0) -> None:
        if not isinstance(canvas, TaggingCanvas):
            self.inner.drawOn(canvas, x, y, _sW)
            return
        figure = canvas.tagger.open("Figure", alt=self.alt)
        canvas._code.append(canvas.tagger.content(figure, canvas.getPageNumber()))
        canvas.figure_depth += 1
        try:
            self.inner.drawOn(canvas, x, y, _sW)
        finally:
            canvas.figure_depth -= 1
            canvas._code.append("EMC")
            canvas.tagger.close()


def table_tags(header_rows: int = 0, header_columns: int = 0) -> Callable[..., None]:
    """A ReportLab table ``renderCB``: the table as Table → TR → TH/TD, its backgrounds and rules as artifacts."""

    def render(table: Any, event: str, *args: Any) -> None:
        canvas = table.canv
        if not isinstance(canvas, TaggingCanvas):
            return
        tagger = canvas.tagger
        if event == "startTable":
            tagger.open("Table")
        elif event in ("startBG", "startLines"):
            canvas._code.append("/Artifact BMC")
        elif event in ("endBG", "endLines"):
            canvas._code.append("EMC")
        elif event == "startRow":
            tagger.open("TR")
        elif event == "startCell":
            row, column = args[0], args[1]
            tagger.open("TH" if row < header_rows or column < header_columns else "TD")
        elif event in ("endCell", "endRow", "endTable"):
            tagger.close()

    return render


def canvas_maker(tagger: Tagger) -> Callable[..., TaggingCanvas]:
    def make(*args: Any, **kwargs: Any) -> TaggingCanvas:
        return TaggingCanvas(*args, tagger=tagger, **kwargs)

    return make


# --- after rendering: the structure tree ------------------------------------------------------------------------


def apply(pdf: bytes, tagger: Tagger) -> bytes:
    """Write the collected structure into the rendered PDF."""
    with pikepdf.open(io.BytesIO(pdf)) as document:
        pages = list(document.pages)
        root = document.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.StructTreeRoot))
        parents: dict[int, dict[int, pikepdf.Object]] = {}

        def build(element: Element, parent: pikepdf.Object) -> pikepdf.Object | None:
            if not _has_content(element):
                return None
            node = document.make_indirect(
                pikepdf.Dictionary(Type=pikepdf.Name.StructElem, S=pikepdf.Name("/" + element.tag), P=parent)
            )
            if element.lang:
                node.Lang = pikepdf.String(element.lang)
            if element.alt:
                node.Alt = pikepdf.String(element.alt)
            kids = pikepdf.Array()
            for kid in element.kids:
                if isinstance(kid, Content):
                    page = pages[kid.page - 1]
                    kids.append(pikepdf.Dictionary(Type=pikepdf.Name.MCR, Pg=page.obj, MCID=kid.mcid))
                    parents.setdefault(kid.page - 1, {})[kid.mcid] = node
                elif (built := build(kid, node)) is not None:
                    kids.append(built)
            node.K = kids
            return node

        top = build(tagger.document, root)
        root.K = pikepdf.Array([top]) if top is not None else pikepdf.Array()
        numbers = pikepdf.Array()
        for index, page in enumerate(pages):
            page.obj.StructParents = index
            page.obj.Tabs = pikepdf.Name.S
            by_mcid = parents.get(index, {})
            entries = [by_mcid.get(mcid) for mcid in range(max(by_mcid, default=-1) + 1)]
            numbers.append(index)
            numbers.append(document.make_indirect(pikepdf.Array(entries)))
        root.ParentTree = document.make_indirect(pikepdf.Dictionary(Nums=numbers))
        root.ParentTreeNextKey = len(pages)
        catalog = document.Root
        catalog.StructTreeRoot = root
        catalog.MarkInfo = pikepdf.Dictionary(Marked=True)
        catalog.Lang = pikepdf.String(tagger.language)
        catalog.ViewerPreferences = pikepdf.Dictionary(DisplayDocTitle=True)
        with document.open_outline() as outline:
            outline.root.extend(
                pikepdf.OutlineItem(heading.text, heading.page - 1)
                for heading in tagger.headings
                if heading.tag == "H2" and heading.text
            )
        catalog.PageMode = pikepdf.Name.UseOutlines
        buffer = io.BytesIO()
        document.save(buffer, deterministic_id=True)
    return buffer.getvalue()


def _has_content(element: Element) -> bool:
    return any(isinstance(kid, Content) or _has_content(kid) for kid in element.kids)
