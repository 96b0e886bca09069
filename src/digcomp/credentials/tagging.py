"""Tagged PDF (ISO 32000 §14.7–14.9) for documents drawn with ReportLab, whose open-source canvas has no tagging API.

While the document is drawn, ``TaggingCanvas`` wraps every piece of content in marked content: a paragraph's text
object gets ``/P <</MCID n>> BDC … EMC`` inside its ``BT … ET``; a change of language within it (``lang_marker``)
closes that sequence and opens a ``/Span`` with ``/Lang``; a picture or drawing is one ``/Figure`` sequence with its
alternative text; table backgrounds and rules, and anything drawn outside the story (the page footer), are
``/Artifact``. The logical structure is collected alongside (``Tagger``: Document → H1/H2/H3/P/Figure/Table →
TR → TH/TD …) and written by ReportLab itself as the document is saved (``write_structure``): the StructTreeRoot
with its ParentTree, each page's StructParents, ``/MarkInfo /Marked true``, ``DisplayDocTitle`` and bookmarks for
the section headings (the document ``/Lang`` ReportLab writes already). No second pass over the file, so tagging
costs a few milliseconds. Signing (PAdES, an incremental update) comes after and leaves all of it in place."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import quoteattr

from reportlab.pdfbase.pdfdoc import PDFArray, PDFDictionary, PDFName, PDFObject, PDFObjectReference, PDFPage, PDFString
from reportlab.pdfbase.pdfdoc import format as format_pdf
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
        self.opening: str | None = None  # its first marked-content operator, numbered before its text is drawn
        self.figure_depth = 0  # inside a figure: its text is part of it
        self.setNamedCB(LANG_CALLBACK, self._switch_language)
        add_page = self._doc.addPage

        def with_structure(page: PDFPage) -> None:
            # each page names its entry in the ParentTree, and is read in structure order (/Tabs /S)
            page.__NoDefault__ = [*PDFPage.__NoDefault__, "StructParents", "Tabs"]
            page.StructParents = self._doc.pageCounter - 1
            page.Tabs = PDFName("S")
            add_page(page)

        self._doc.addPage = with_structure

    def save(self) -> None:
        write_structure(self)
        super().save()

    def drawText(self, aTextObject: Any) -> None:
        code: list[str] = aTextObject._code
        if self.paragraph is not None:
            opening = self.opening or self.tagger.content(self.paragraph, self.getPageNumber())
            self.opening = None
            code.insert(1, opening)
            code.append("EMC")
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
        own = self.paragraph.lang or self.tagger.language
        language = own if label in (None, "-") else label
        page = self.getPageNumber()
        code.append("EMC")
        if language == own:
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
            if self.tag == "H2":  # a bookmark for each section
                key = f"section-{len(canvas.tagger.headings)}"
                canvas.bookmarkHorizontal(key, x, y + self.height)
                canvas.addOutlineEntry(element.text, key, 0)
        canvas.paragraph = element
        # numbered now, so that the paragraph's first words come first among its parts (a change of language inside
        # it numbers the parts after them while the text is drawn)
        canvas.opening = canvas.tagger.content(element, canvas.getPageNumber())
        try:
            super().drawOn(canvas, x, y, _sW)
        finally:
            canvas.paragraph = canvas.opening = None
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


# --- the structure tree, written by ReportLab with the document (no second pass over the file) ------------------


def _page(number: int) -> PDFObjectReference:
    return PDFObjectReference(f"Page{number}")  # ReportLab's name for its page objects


class _StructElem(PDFObject):  # type: ignore[misc]
    """A structure element, formatted straight to bytes: ReportLab's general dictionaries cost more than the rest of
    the tagging together, and a document has hundreds of these."""

    def __init__(self, element: Element, parent: str, page: str | None, kids: list[int | str | tuple[str, int]]):
        self.element, self.parent, self.page, self.kids = element, parent, page, kids

    def format(self, document: Any) -> bytes:
        def ref(name: str) -> str:
            number, version = document.idToObjectNumberAndVersion[name]
            return f"{number} {version} R"

        kids = []
        for kid in self.kids:
            if isinstance(kid, int):
                kids.append(str(kid))
            elif isinstance(kid, str):
                kids.append(ref(kid))
            else:
                kids.append(f"<</Type/MCR/Pg {ref(kid[0])}/MCID {kid[1]}>>")
        parts = [f"<</Type/StructElem/S/{self.element.tag}/P {ref(self.parent)}"]
        if self.page:
            parts.append(f"/Pg {ref(self.page)}")
        parts.append(f"/K[{' '.join(kids)}]")
        text = "".join(parts).encode("ascii")
        for key, value in (("Lang", self.element.lang), ("Alt", self.element.alt)):
            if value:
                text += f"/{key} ".encode("ascii") + format_pdf(PDFString(value), document)
        return text + b">>"


def write_structure(canvas: TaggingCanvas) -> None:
    """Add the collected structure to the document ReportLab is about to write: the StructTreeRoot, each page's
    StructParents and tab order, MarkInfo, DisplayDocTitle and the section bookmarks."""
    document, tagger = canvas._doc, canvas.tagger
    parents: dict[int, dict[int, str]] = {}
    counter = iter(range(1, 10_000_000))

    def build(element: Element, parent: str) -> str | None:
        if not element.kids:
            return None
        name = f"SE{next(counter)}"
        on_pages = {kid.page for kid in element.kids if isinstance(kid, Content)}
        one_page = len(on_pages) == 1  # the usual case: its marked content is on one page, named once
        kids: list[int | str | tuple[str, int]] = []
        for kid in element.kids:
            if isinstance(kid, Content):
                parents.setdefault(kid.page, {})[kid.mcid] = name
                kids.append(kid.mcid if one_page else (f"Page{kid.page}", kid.mcid))
            elif (built := build(kid, name)) is not None:
                kids.append(built)
        if not kids:
            return None
        page = f"Page{next(iter(on_pages))}" if one_page else None
        document.Reference(_StructElem(element, parent, page, kids), name)
        return name

    top = build(tagger.document, "StructTreeRoot")
    numbers: list[Any] = []
    for page in range(1, document.pageCounter):
        by_mcid = parents.get(page, {})
        entries = [
            PDFObjectReference(by_mcid[mcid]) if mcid in by_mcid else "null"
            for mcid in range(max(by_mcid, default=-1) + 1)
        ]
        numbers += [page - 1, document.Reference(PDFArray(entries))]
    tree = {
        "Type": PDFName("StructTreeRoot"),
        "K": PDFArray([PDFObjectReference(top)] if top is not None else []),
        "ParentTree": document.Reference(PDFDictionary({"Nums": PDFArray(numbers)})),
        "ParentTreeNextKey": document.pageCounter - 1,
    }
    canvas.setCatalogEntry("StructTreeRoot", document.Reference(PDFDictionary(tree), "StructTreeRoot"))
    canvas.setCatalogEntry("MarkInfo", {"Marked": "true"})  # a str is written as it is: the PDF boolean
    canvas.setViewerPreference("DisplayDocTitle", "true")
    if tagger.headings:
        canvas.showOutline()
