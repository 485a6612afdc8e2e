"""Names and choices shared by the API and the command line.

Kept free of heavy imports so that ``vi2en --help`` answers at once instead of loading torch.
"""

DEFAULT_MODEL = "Helsinki-NLP/opus-mt-vi-en"
MODEL_ENV = "VI2EN_MODEL"
PRECISIONS = ("float32", "int8", "float16", "bfloat16")
CPU_PRECISIONS = ("float32", "int8")
"""int8 runs on torch's int8 CPU kernels (translate.decoding.quantize), CPU only; half precisions are for GPUs."""
CUDA_PRECISIONS = ("float32", "float16", "bfloat16")
DEVICES = ("cpu", "cuda", "auto")
"""``auto``: cuda when torch sees a CUDA device, else cpu."""
DEFAULT_BATCH_TOKENS = 6000
"""A batch's default budget: its longest source's tokens x segments x beams (each segment occupies ``beams``
rows while it is searched).  It bounds a batch's working memory; the decoder, the pipeline, the CLI and the
service all start from it."""
GLOSSARY_MODES = ("hard", "soft", "off")
ACRONYM_MODES = ("keep", "first-expand")
