"""Learning-outcome plans of mobilities: outcomes mapped to competences, versions, confirmations."""
