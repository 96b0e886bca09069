"""The learning agreement: the plan version all three parties agreed, as a signed PDF before the mobility
(document: what it says; pdf: how it reads; service: made once per agreed version, kept, verified)."""
