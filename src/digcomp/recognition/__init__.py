"""Step four: recognising validated mobility results in the learner's VET programme."""
