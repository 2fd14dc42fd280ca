"""Matching quality, measured on labelled data the project did not write (``make quality``).

Sets: ESCO skills (``esco_set``), a Chinese-English set from CC-CEDICT (``bilingual_set``) and
the demo consortium (``demo_set``, reported only, never tuned on). Each set is loaded into a
fresh SQLite store through the real catalog; every query runs through ``Matcher`` and through a
plain-cosine baseline (whole texts as written, one vector each) in the same run.
"""
