"""Render a recognition statement as PDF (unsigned). Structure after the Europass Mobility document; every label
comes from the template's label files; text is set in the template's embedded Unicode font."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from typing import Any
from xml.sax.saxutils import escape

import qrcode
import qrcode.constants
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, letter
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    Image,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from digcomp.credentials import emblem
from digcomp.credentials.statement import Bilingual, CompetenceLine, Party, Person, RecognitionLine, Statement
from digcomp.credentials.tagging import Figure, TaggedParagraph, Tagger, canvas_maker, lang_marker, table_tags
from digcomp.credentials.template import BOLD, FALLBACK, REGULAR, Template


class _Styles:
    def __init__(self, template: Template) -> None:
        size = float(template.layout.get("font_size", 9))
        colours = template.layout["colours"]
        self.primary = colors.HexColor(colours["primary"])
        self.accent = colors.HexColor(colours["accent"])
        self.muted = colors.HexColor(colours["muted"])
        self.body = ParagraphStyle("body", fontName=REGULAR, fontSize=size, leading=size * 1.3)
        self.small = ParagraphStyle(
            "small", parent=self.body, fontSize=size - 1.5, leading=(size - 1.5) * 1.3, textColor=self.muted
        )
        self.label = ParagraphStyle("label", parent=self.body, fontName=BOLD, fontSize=size - 0.5)
        self.title = ParagraphStyle(
            "title",
            parent=self.body,
            fontName=BOLD,
            fontSize=size + 7,
            leading=(size + 7) * 1.2,
            textColor=self.primary,
        )
        self.section = ParagraphStyle(
            "section",
            parent=self.body,
            fontName=BOLD,
            fontSize=size + 2,
            leading=(size + 2) * 1.3,
            textColor=self.primary,
            spaceBefore=8,
            spaceAfter=3,
            keepWithNext=1,  # a heading never stands alone at the foot of a page
        )
        self.competence = ParagraphStyle(
            "competence", parent=self.body, fontName=BOLD, fontSize=size + 1, leading=(size + 1) * 1.3
        )


_PARSED: dict[tuple[str, str, float, str], Any] = {}
_PARSED_KEPT = 20_000


HEADINGS = {"title": "H1", "section": "H2"}


def _paragraph(
    markup: str, style: ParagraphStyle, prepare: Callable[[str], str], lang: str | None = None
) -> TaggedParagraph:
    """A paragraph whose markup is prepared (``prepare``: fallback fonts) and parsed once: most of a statement is the
    same labels on every certificate, and parsing costs more than laying out. Layout never changes the fragments.
    Tagged as a heading by its style, else as a paragraph (``tagging``)."""
    tag = HEADINGS.get(style.name, "P")
    key = (markup, style.name, style.fontSize, style.fontName)
    frags = _PARSED.get(key)
    if frags is None:
        paragraph = TaggedParagraph(prepare(markup), style, tag=tag, lang=lang)
        if len(_PARSED) < _PARSED_KEPT:
            _PARSED[key] = paragraph.frags
        return paragraph
    return TaggedParagraph(markup, style, frags=frags, tag=tag, lang=lang)


class _QrCode(Flowable):  # type: ignore[misc]
    """A QR code drawn as one small 1-bit image, not as ~1,500 vector squares."""

    def __init__(self, data: str, size: float) -> None:
        super().__init__()
        code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=4, border=2)
        code.add_data(data)
        self.picture = ImageReader(code.make_image().get_image())
        self.width = self.height = size

    def draw(self) -> None:
        self.canv.drawImage(self.picture, 0, 0, self.width, self.height)


def format_date(value: dt.date) -> str:
    return value.strftime("%d.%m.%Y")


class DocumentRenderer:
    """Text helpers and blocks shared by the documents set in the certificate template: every label comes from the
    template's label files, in the document's languages (the first bold, the others small and muted)."""

    def __init__(self, template: Template, languages: list[str], signer_fingerprint: str) -> None:
        self.t = template
        self.languages = languages
        self.fingerprint = signer_fingerprint
        self.st = _Styles(template)

    # --- text helpers --------------------------------------------------------------------------------------------

    def _label(self, key: str) -> str:
        """A label in the statement's language(s): the first language bold, the second in small muted type."""
        first, *rest = self.languages
        text = f"<font name='{BOLD}'>{escape(self.t.label(key, first))}</font>"
        for language in rest:
            other = self.t.label(key, language)
            if other:
                size, colour = self.st.small.fontSize, self.st.muted.hexval()
                text += f"<br/><font size='{size}' color='{colour}'>{self._in(language, escape(other))}</font>"
        return text

    def _in(self, language: str, markup: str) -> str:
        """Markup in ``language``, marked as such (a /Span with /Lang) where it is not the document's."""
        if language == self.languages[0]:
            return markup
        return f"{lang_marker(language)}{markup}{lang_marker('')}"

    def _reading(self, values: Bilingual) -> list[str]:
        """The languages to show a text in: each of the document's, or English where a host's language lacks it
        (DigComp's official texts exist in English and Latvian only)."""
        return list(dict.fromkeys(lang if values.get(lang) else "en" for lang in self.languages))

    def _text(self, values: Bilingual) -> str:
        shown = self._shown(values)
        if not shown:  # no text in the statement's languages (e.g. no official Latvian translation yet)
            shown = [next(iter(values.items()), ("", ""))]
        return " / ".join(self._in(lang, escape(v)) for lang, v in shown)

    def _shown(self, values: Bilingual) -> list[tuple[str, str]]:
        """(language, text) in the document's languages (English where one lacks it), each different text once."""
        found: dict[str, str] = {}
        for lang in self._reading(values):
            if values.get(lang) and values[lang] not in found.values():
                found[lang] = values[lang]
        return list(found.items())

    def _funding(self, programme: str, project_reference: str) -> list[Flowable]:
        """The European emblem and "Co-funded by the European Union" in each document language, for an EU-funded
        mobility (vector, ``emblem``)."""
        if not emblem.funded(programme, project_reference):
            return []
        statement = " / ".join(
            dict.fromkeys(emblem.STATEMENT.get(lang, emblem.STATEMENT["en"]) for lang in self.languages)
        )
        return [Spacer(1, 2 * mm), Figure(emblem.CoFunded(12 * mm, self.languages, REGULAR), statement)]

    def _written(self, values: Bilingual) -> str:
        """A text the school wrote, only in the statement's languages (English for a host's language it lacks): an
        English statement never shows the Latvian original of an outcome that has no English text (the row is left
        out instead)."""
        return " / ".join(self._in(lang, escape(v)) for lang, v in self._shown(values))

    def _p(self, markup: str, style: ParagraphStyle | None = None, lang: str | None = None) -> Paragraph:
        own = None if lang in (None, self.languages[0]) else lang
        return _paragraph(markup, style or self.st.body, self._with_fallback, own)

    def _with_fallback(self, markup: str) -> str:
        """Set runs of characters the statement's font lacks (a Chinese name …) in the fallback font. Markup is
        ASCII, which the font has, so only text is ever wrapped."""
        if not self.t.fallback or all(ord(c) in self.t.covered for c in markup):
            return markup
        wrapped: list[str] = []
        run: list[str] = []
        for character in markup:
            if ord(character) in self.t.covered:
                if run:
                    wrapped.append(f"<font name='{FALLBACK}'>{''.join(run)}</font>")
                    run = []
                wrapped.append(character)
            else:
                run.append(character)
        if run:
            wrapped.append(f"<font name='{FALLBACK}'>{''.join(run)}</font>")
        return "".join(wrapped)

    def _rows(self, rows: list[tuple[str, str]], widths: tuple[float, float] = (48 * mm, 128 * mm)) -> Table:
        table = embedded_table(
            [[self._p(self._label(k)), self._p(v)] for k, v in rows],
            colWidths=widths,
            hAlign="LEFT",
            renderCB=table_tags(header_columns=1),
        )
        table.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LINEBELOW", (0, 0), (-1, -1), 0.25, self.st.accent),
                    ("TOPPADDING", (0, 0), (-1, -1), 2.5),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
                ]
            )
        )
        return table

    def _section(self, key: str) -> Paragraph:
        return self._p(self._label(key).replace(f"size='{self.st.small.fontSize}'", "size='8'"), self.st.section)

    # --- blocks --------------------------------------------------------------------------------------------------

    def _qr(self, url: str) -> Flowable:
        size = float(self.t.layout.get("qr_size_mm", 30)) * mm
        return Figure(_QrCode(url, size), self.t.label("qr_alt", self.languages[0]).format(url=url))

    def _party(self, party: Party, person_key: str, person: str) -> list[Paragraph]:
        lines = [self._p(f"<font name='{BOLD}'>{escape(party.name)}</font>")]
        if party.address:
            lines.append(self._p(escape(party.address)))
        lines.append(self._p(self._text(party.country)))
        contact = " · ".join(escape(x) for x in (party.contact_email, party.contact_phone) if x)
        if contact:
            lines.append(self._p(contact, self.st.small))
        if person:
            lines.append(self._p(f"{self._label(person_key)}: {escape(person)}", self.st.small))
        return lines

    def _grid(self, rows: list[list[Any]], widths: list[float]) -> Table:
        """A table with a heading row, repeated on each page it runs over."""
        table = embedded_table(rows, colWidths=widths, repeatRows=1, hAlign="LEFT", renderCB=table_tags(header_rows=1))
        table.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("BACKGROUND", (0, 0), (-1, 0), self.st.accent),
                    ("LINEBELOW", (0, 0), (-1, -1), 0.25, self.st.accent),
                    ("BOX", (0, 0), (-1, -1), 0.4, self.st.accent),
                ]
            )
        )
        return table

    def _weeks_between(self, start: dt.date, end: dt.date) -> str:
        weeks = max(1, round(((end - start).days + 1) / 7))
        return self._text({lang: self.t.label("weeks", lang).format(count=weeks) for lang in self.languages})

    def _each(self, key: str, **values: Any) -> str:
        """A label in each of the document's languages, filled with ``values``."""
        return self._text({lang: self.t.label(key, lang).format(**values) for lang in self.languages})

    def _descriptor(self, texts: Bilingual) -> str:
        """The framework's words for a level; a note where they exist only in English."""
        note = self.t.label("descriptor_in_english", self.languages[0])
        shown = self._text(texts)
        if self.languages[0] not in texts and note:
            shown += f"<br/><font size='7' color='{self.st.muted.hexval()}'>{escape(note)}</font>"
        return shown

    def _methods(self, methods: list[str]) -> str:
        return ", ".join(self._text({lang: self.t.method(m, lang) for lang in self.languages}) for m in methods)

    def _credit(self, hours: int | None, credits: float | None) -> str:
        parts = [self._each("hours", count=hours)] if hours is not None else []
        if credits is not None:
            parts.append(self._each("credits", count=f"{credits:g}"))
        return " · ".join(parts)

    def _partner_table(self, sending: Party, host: Party, mentor: Person | None) -> Table:
        coordinator = ", ".join(x for x in (sending.reference_person, sending.reference_title) if x)
        mentor_line = ", ".join(x for x in ((mentor.full_name, mentor.title) if mentor else ()) if x)
        table = embedded_table(
            [
                [self._p(self._label("sending_partner")), self._p(self._label("host_partner"))],
                [self._party(sending, "reference_person", coordinator), self._party(host, "mentor", mentor_line)],
            ],
            colWidths=[88 * mm, 88 * mm],
        )
        table.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("BACKGROUND", (0, 0), (-1, 0), self.st.accent),
                    ("BOX", (0, 0), (-1, -1), 0.4, self.st.accent),
                ]
            )
        )
        return table

    def page_footer(self, ident: str, url: str) -> Callable[[Canvas, Any], None]:
        label = " / ".join(dict.fromkeys(self.t.label("page", lang) for lang in self.languages))

        def draw(canvas: Canvas, doc: Any) -> None:
            canvas.saveState()
            canvas.setFont(REGULAR, 7)
            canvas.setFillColor(self.st.muted)
            canvas.drawString(doc.leftMargin, 9 * mm, f"{ident}  ·  {url}  ·  {label} {doc.page}")
            canvas.setStrokeColor(self.st.primary)
            canvas.setLineWidth(0.6)
            canvas.line(doc.leftMargin, 12 * mm, doc.pagesize[0] - doc.rightMargin, 12 * mm)
            canvas.restoreState()

        return draw

    def _signature_note(self) -> list[Flowable]:
        return [
            self._p(
                f"{escape(self.t.label('signature_note', language))}: SHA-256 {self.fingerprint[:32]}…",
                self.st.small,
                language,
            )
            for language in self.languages
        ]


class StatementRenderer(DocumentRenderer):
    def __init__(self, template: Template, statement: Statement, signer_fingerprint: str) -> None:
        super().__init__(template, statement.languages, signer_fingerprint)
        self.s = statement

    def _header(self) -> list[Flowable]:
        title = [self._p(escape(self.t.label("title", self.languages[0])), self.st.title)]
        for language in self.languages[1:]:
            title.append(self._p(escape(self.t.label("title", language)), self.st.competence, language))
        title.append(Spacer(1, 3 * mm))
        title.append(self._p(escape(self.s.holder.full_name), self.st.title))
        title.append(
            self._p(
                f"{escape(self.s.host.name)} · {format_date(self.s.start_date)} – {format_date(self.s.end_date)}",
                self.st.competence,
            )
        )
        title.append(Spacer(1, 2 * mm))
        title.append(self._p(self._text({lang: self.t.label("subtitle", lang) for lang in self.languages})))
        title.append(Spacer(1, 2 * mm))
        for language in self.languages:
            title.append(self._p(escape(self.t.label("not_europass", language)), self.st.small, language))
        title += self._funding(self.s.programme, self.s.project_reference)
        verify = [
            self._qr(self.s.verification_url),
            self._p(
                f"{self._label('verify_at')}<br/><font size='7'>{escape(self.s.verification_url)}</font>", self.st.small
            ),
        ]
        left: list[Any] = title
        logo = self.t.logo
        if logo is not None and logo.exists():
            picture = Image(str(logo), width=28 * mm, height=14 * mm, kind="proportional")
            alt = self.t.label("logo_alt", self.languages[0]).format(name=self.s.issuer.name)
            left = [Figure(picture, alt), Spacer(1, 2 * mm), *title]
        table = embedded_table([[left, verify]], colWidths=[140 * mm, 38 * mm])
        table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
        return [table]

    def _partners(self) -> Table:
        return self._partner_table(self.s.issuer, self.s.host, self.s.mentor)

    def _level(self, level: int | None, names: Bilingual, status: str) -> str:
        if status == "not_worked_on":
            return self._each("not_worked_on")
        if level is None:
            return self._each("not_achieved")
        return f"<font name='{BOLD}'>{level}</font> — {self._text(names)}"

    def _additional(self, line: CompetenceLine) -> str:
        """A mark for a competence acquired beyond the plan."""
        if not line.additional:
            return ""
        return f" <font size='7' color='{self.st.muted.hexval()}'>[{self._each('additional')}]</font>"

    def _competence(self, line: CompetenceLine) -> list[Flowable]:
        heading = self._p(
            f"{escape(line.competence_id)} {self._text(line.competence_title)}{self._additional(line)}",
            self.st.competence,
        )
        descriptor = self._descriptor(line.level_descriptor) if line.level_descriptor else ""
        rows = [
            ("area", f"{escape(line.area_id)} {self._text(line.area_title)}"),
            ("achieved_level", self._level(line.achieved_level, line.achieved_level_name, line.status)),
            ("target_level", f"{line.target_level} — {self._text(line.target_level_name)}"),
        ]
        if line.additional:
            rows[-1] = ("additional", self._each("additional_note"))
        if descriptor and line.status == "achieved":
            rows.append(("level_descriptor", descriptor))
        rows.append(("assessment_method", self._methods(line.methods)))
        if outcome := self._written(line.outcome_text):
            rows.append(("outcome", outcome))
        framework = self._p(f"{escape(line.framework_name)} {escape(line.framework_version)}", self.st.small)
        # A block starts on a new page unless most of it fits (cheaper than KeepTogether, which lays it out twice).
        return [CondPageBreak(55 * mm), Spacer(1, 2 * mm), heading, framework, self._rows(rows)]

    def _recognition(self) -> list[Flowable]:
        """How the sending school recognised the results in the learner's VET programme."""
        head = [self._p(self._label(key)) for key in ("competence", "module", "credit", "grade")]
        rows: list[list[Any]] = [head]
        by_module: dict[str, list[RecognitionLine]] = {}
        for line in self.s.recognition:  # a module recognising several results: one row, its workload once
            by_module.setdefault(line.module_code, []).append(line)
        for lines in by_module.values():
            first = lines[0]
            competences = ", ".join(dict.fromkeys(line.competence_id for line in lines))
            grades = " / ".join(dict.fromkeys(line.grade for line in lines))
            rows.append(
                [
                    self._p(f"<font name='{BOLD}'>{escape(competences)}</font>"),
                    self._p(f"{escape(first.module_code)} {self._written(first.module_name)}"),
                    self._p(self._credit(first.hours, first.credits)),
                    self._p(f"<font name='{BOLD}'>{escape(grades)}</font>"),
                ]
            )
        if len(by_module) > 1:
            hours, credits = self.s.recognised_workload()
            total = self._credit(hours, credits)
            if total:
                rows.append(
                    [
                        self._p(""),
                        self._p(self._label("recognised_total")),
                        self._p(f"<font name='{BOLD}'>{total}</font>"),
                        self._p(""),
                    ]
                )
        table = self._grid(rows, [28 * mm, 80 * mm, 42 * mm, 28 * mm])
        by = self.s.recognised_by
        decided = [("recognised_by", escape(", ".join(x for x in (by.full_name, by.title) if x)))] if by else []
        if self.s.recognised_on:
            decided.append(("recognised_on", format_date(self.s.recognised_on)))
        return [self._section("section_recognition"), table, Spacer(1, 2 * mm), self._rows(decided)]

    def _weeks(self) -> str:
        return self._weeks_between(self.s.start_date, self.s.end_date)

    def _summary(self) -> list[Flowable]:
        """Page 1, for an employer with ten seconds: each competence, the level achieved and the level planned."""
        head = [self._p(self._label(key)) for key in ("competence", "achieved_level", "target_level")]
        rows: list[list[Any]] = [head]
        for line in self.s.competences:
            rows.append(
                [
                    self._p(
                        f"<font name='{BOLD}'>{escape(line.competence_id)}</font> {self._text(line.competence_title)}"
                        + self._additional(line)
                    ),
                    self._p(self._level(line.achieved_level, line.achieved_level_name, line.status)),
                    self._p(f"{line.target_level} — {self._text(line.target_level_name)}"),
                ]
            )
        return [self._section("section_summary"), self._grid(rows, [86 * mm, 50 * mm, 42 * mm])]

    def flowables(self) -> list[Flowable]:
        s = self.s
        story: list[Flowable] = [*self._header(), Spacer(1, 3 * mm), *self._summary()]
        story += [
            self._section("section_holder"),
            self._rows(
                [
                    ("family_name", escape(s.holder.family_name)),
                    ("given_name", escape(s.holder.given_name)),
                    *([("date_of_birth", format_date(s.holder_date_of_birth))] if s.holder_date_of_birth else []),
                ]
            ),
        ]
        story += [
            self._section("section_issuer"),
            self._rows(
                [
                    ("issuer", escape(s.issuer.name)),
                    ("certificate_id", f"<font name='{BOLD}'>{escape(s.certificate_id)}</font>"),
                    ("issue_date", format_date(s.issued_at.date())),
                    *([("supersedes", escape(s.supersedes))] if s.supersedes else []),
                ]
            ),
        ]
        story += [self._section("section_partners"), self._partners()]
        rows = [
            ("objective", self._written(s.objective)),
            ("programme", escape(s.programme)),
            ("project_reference", escape(s.project_reference)),
            ("qualification", self._written(s.qualification)),
            ("duration", f"{format_date(s.start_date)} – {format_date(s.end_date)} ({self._weeks()})"),
            ("working_language", self._text(s.working_language_name)),
            ("section_tasks", self._written(s.tasks)),
        ]
        story += [self._section("section_mobility"), self._rows([(k, v) for k, v in rows if v])]
        story.append(self._section("section_skills"))
        for line in s.competences:
            story += self._competence(line)
        if s.other_skills:
            story += [self._section("section_other_skills"), self._p(escape(s.other_skills))]
        validation = [
            ("validated_by", escape(", ".join(x for x in (s.validator.full_name, s.validator.title) if x))),
            ("assessed_by", escape(", ".join(p.full_name for p in s.assessors))),
        ]
        if s.plan_version is not None:
            validation.append(("assessed_plan_version", self._each("assessed_plan_version_n", number=s.plan_version)))
        if s.mentor is not None and s.mentor_assessed_on is not None:
            mentor = ", ".join(x for x in (s.mentor.full_name, s.mentor.title) if x)
            validation.insert(
                0,
                (
                    "mentor_attestation",
                    self._each("mentor_attested", mentor=mentor, date=format_date(s.mentor_assessed_on)),
                ),
            )
        story += [self._section("section_validation"), self._rows(validation), Spacer(1, 2 * mm)]
        if s.recognition:
            story += [*self._recognition(), Spacer(1, 2 * mm)]
        for language in self.languages:
            story.append(self._p(escape(self.t.label("validation_process", language)), self.st.small, language))
        story.append(Spacer(1, 2 * mm))
        story += self._signature_note()
        story.append(Spacer(1, 2 * mm))
        story.append(
            self._p(f"{self._label('framework_attribution')}: " + escape(" ".join(s.attribution)), self.st.small)
        )
        return story

    def footer(self) -> Callable[[Canvas, Any], None]:
        return self.page_footer(self.s.certificate_id, self.s.verification_url)


def embedded_table(rows: Any, **options: Any) -> Table:
    """A reportlab Table whose cells select the embedded font: reportlab's default cell font is Helvetica, which is
    not embedded and so not allowed in a PDF/A document, even where every cell holds a paragraph."""
    table = Table(rows, **options)
    table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), REGULAR)]))
    return table


def build_pdf(
    template: Template,
    story: list[Flowable],
    footer: Callable[[Canvas, Any], None],
    *,
    title: str,
    author: str,
    subject: str,
    lang: str,
) -> bytes:
    buffer = io.BytesIO()
    margin = float(template.layout["page"].get("margin_mm", 16)) * mm
    size = letter if str(template.layout["page"].get("size", "A4")).lower() == "letter" else A4
    doc = SimpleDocTemplate(
        buffer,
        pagesize=size,
        leftMargin=margin,
        rightMargin=margin,
        topMargin=margin,
        bottomMargin=margin + 6 * mm,
        title=title,
        author=author,
        subject=subject,
        creator="digcomp",
        keywords=["DigComp", subject],
        initialFontName=REGULAR,  # reportlab's default would select Helvetica, a font PDF/A forbids (not embedded)
        lang=lang,
    )
    tagger = Tagger(lang)
    doc.build(story, onFirstPage=footer, onLaterPages=footer, canvasmaker=canvas_maker(tagger))
    return buffer.getvalue()


def render_pdf(template: Template, statement: Statement, signer_fingerprint: str) -> bytes:
    renderer = StatementRenderer(template, statement, signer_fingerprint)
    return build_pdf(
        template,
        renderer.flowables(),
        renderer.footer(),
        title=f"{template.label('title', statement.languages[0])} — {statement.holder.full_name}",
        author=statement.issuer.name,
        subject=statement.certificate_id,
        lang=statement.languages[0],
    )
