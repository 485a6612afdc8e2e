"""Names and choices shared by the API and the command line.

Kept free of heavy imports so that ``vi2en --help`` answers at once instead of loading torch.
"""

DEFAULT_MODEL = "Helsinki-NLP/opus-mt-vi-en"
MODEL_ENV = "VI2EN_MODEL"
PRECISIONS = ("float32", "int8")
GLOSSARY_MODES = ("hard", "soft", "off")
ACRONYM_MODES = ("keep", "first-expand")
