"""digcomp: DigComp competence assessment and recognition for learner mobilities."""

__version__ = "0.1.0"
