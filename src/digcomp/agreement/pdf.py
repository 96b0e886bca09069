"""Render a learning agreement as PDF (unsigned), in the certificate template: the parties, the mobility, each
planned outcome with its DigComp targets, criteria and methods, how results will be recognised and how progress is
reported, and the three confirmations of the plan version."""

from __future__ import annotations

from xml.sax.saxutils import escape

from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, Paragraph, Spacer

from digcomp.agreement.document import LearningAgreement, OutcomeLine
from digcomp.credentials.pdf import DocumentRenderer, build_pdf, format_date
from digcomp.credentials.template import BOLD, Template


class AgreementRenderer(DocumentRenderer):
    def __init__(self, template: Template, agreement: LearningAgreement, signer_fingerprint: str) -> None:
        super().__init__(template, agreement.languages, signer_fingerprint)
        self.a = agreement

    def _header(self) -> list[Flowable]:
        a = self.a
        story: list[Flowable] = [self._p(escape(self.t.label("agreement_title", self.languages[0])), self.st.title)]
        for language in self.languages[1:]:
            story.append(self._p(escape(self.t.label("agreement_title", language)), self.st.competence, language))
        story += [
            Spacer(1, 3 * mm),
            self._p(escape(a.learner.full_name), self.st.title),
            self._p(
                f"{escape(a.host.name)} · {format_date(a.start_date)} – {format_date(a.end_date)}", self.st.competence
            ),
            Spacer(1, 2 * mm),
        ]
        if a.draft:
            story += [
                self._p(
                    f"<font name='{BOLD}'>{escape(self.t.label('agreement_draft', lang))}</font>", self.st.body, lang
                )
                for lang in self.languages
            ]
        story += [
            self._p(escape(self.t.label("agreement_not_official", lang)), self.st.small, lang)
            for lang in self.languages
        ]
        story += self._funding(a.programme, a.project_reference)
        story += [
            Spacer(1, 2 * mm),
            self._rows(
                [
                    ("agreement_id", f"<font name='{BOLD}'>{escape(a.agreement_id)}</font>"),
                    ("plan_version", str(a.plan_version)),
                    ("content_hash", f"<font size='7'>{escape(a.content_hash)}</font>"),
                    ("issue_date", format_date(a.issued_at.date())),
                ]
            ),
        ]
        return story

    def _mobility(self) -> list[Flowable]:
        a = self.a
        weeks = self._weeks_between(a.start_date, a.end_date)
        rows = [
            ("family_name", escape(a.learner.family_name)),
            ("given_name", escape(a.learner.given_name)),
            ("qualification", self._written(a.qualification)),
            ("programme", escape(a.programme)),
            ("project_reference", escape(a.project_reference)),
            ("duration", f"{format_date(a.start_date)} – {format_date(a.end_date)} ({weeks})"),
            ("working_language", self._text(a.working_language_name)),
            ("objective", self._written(a.objective)),
            ("agreement_tasks", self._written(a.tasks)),
        ]
        return [self._section("agreement_section_mobility"), self._rows([(k, v) for k, v in rows if v])]

    def _outcome(self, outcome: OutcomeLine) -> list[Flowable]:
        heading = self._p(
            f"{self._each('agreement_outcome_number', number=outcome.number)}: {self._written(outcome.text)}",
            self.st.competence,
        )
        rows: list[tuple[str, str]] = []
        for target in outcome.targets:
            competence = (
                f"<font name='{BOLD}'>{escape(target.competence_id)}</font> {self._text(target.competence_title)}"
                f" <font size='7'>({escape(target.framework_name)} {escape(target.framework_version)})</font>"
            )
            rows.append(("competence", competence))
            rows.append(("target_level", f"{target.target_level} — {self._text(target.target_level_name)}"))
            if target.level_descriptor:
                rows.append(("agreement_target_means", self._descriptor(target.level_descriptor)))
        if criteria := self._written(outcome.criteria):
            rows.append(("agreement_criteria", criteria))
        rows.append(("assessment_method", self._methods(outcome.methods)))
        rows.append(("module", self._module(outcome)))
        return [CondPageBreak(45 * mm), Spacer(1, 2 * mm), heading, self._rows(rows)]

    def _module(self, outcome: OutcomeLine) -> str:
        module = outcome.module
        if module is None:
            return self._each("agreement_module_open")
        credit = self._credit(module.hours, module.credits)
        return f"{escape(module.code)} {self._written(module.name)}" + (f" ({credit})" if credit else "")

    def _recognition(self) -> list[Flowable]:
        level = self.a.average_mastery_level
        return [
            self._section("agreement_section_recognition"),
            *[
                self._p(escape(self.t.label("agreement_recognition_rule", lang).format(level=level)), lang=lang)
                for lang in self.languages
            ],
        ]

    def _monitoring(self) -> list[Flowable]:
        days = self.a.report_every_days
        key = "agreement_monitoring_rule" if days else "agreement_monitoring_none"
        return [
            self._section("agreement_section_monitoring"),
            *[self._p(escape(self.t.label(key, lang).format(days=days)), lang=lang) for lang in self.languages],
        ]

    def _confirmations(self) -> list[Flowable]:
        head = [self._p(self._label(key)) for key in ("agreement_party", "agreement_person", "agreement_confirmed_at")]
        rows: list[list[Paragraph]] = [head]
        for confirmation in self.a.confirmations:
            rows.append(
                [
                    self._p(self._label(f"agreement_role_{confirmation.role}")),
                    self._p(escape(confirmation.person)),
                    self._p(confirmation.confirmed_at.strftime("%d.%m.%Y %H:%M UTC")),
                ]
            )
        note = [
            self._p(escape(self.t.label("agreement_confirmation_note", lang)), self.st.small, lang)
            for lang in self.languages
        ]
        return [
            self._section("agreement_section_confirmations"),
            self._grid(rows, [58 * mm, 70 * mm, 50 * mm]),
            Spacer(1, 2 * mm),
            *note,
        ]

    def flowables(self) -> list[Flowable]:
        a = self.a
        story = [*self._header(), self._section("agreement_section_parties")]
        story.append(self._partner_table(a.sending, a.host, a.mentor))
        story += self._mobility()
        story.append(self._section("agreement_section_outcomes"))
        for outcome in a.outcomes:
            story += self._outcome(outcome)
        story += self._recognition()
        story += self._monitoring()
        story += self._confirmations()
        closing = [
            *self._signature_note(),
            *[
                self._p(
                    escape(self.t.label("agreement_verify", lang).format(url=a.verification_url)), self.st.small, lang
                )
                for lang in self.languages
            ],
            Spacer(1, 2 * mm),
            self._p(f"{self._label('framework_attribution')}: " + escape(" ".join(a.attribution)), self.st.small),
        ]
        story += [Spacer(1, 3 * mm), KeepTogether(closing)]  # the notes stay together, never one line on a page
        return story


def render_agreement(template: Template, agreement: LearningAgreement, signer_fingerprint: str) -> bytes:
    renderer = AgreementRenderer(template, agreement, signer_fingerprint)
    return build_pdf(
        template,
        renderer.flowables(),
        renderer.page_footer(agreement.agreement_id, agreement.verification_url),
        title=f"{template.label('agreement_title', agreement.languages[0])} — {agreement.learner.full_name}",
        author=agreement.sending.name,
        subject=agreement.agreement_id,
        lang=agreement.languages[0],
    )
