"""The domain, in sub-packages that import one way (``tests/test_layers.py``):

- ``language``: text forms (Chinese into English for an English-only model), skill phrases and
  their grouping, vectors of texts cached by content hash, skill-to-skill similarity;
- ``catalog``: input models, records, validated writes, imports (uses ``language``);
- ``search``: the vector index in step with the store, BM25, ranking with explanations
  (uses ``language``);
- ``gaps``: curriculum gap reports, warning levels, snapshots (uses ``language``, ``catalog``);
- ``accounts``: users, tokens, who may do what, audit and privacy (uses ``catalog``);
- ``answers``: schools' answers to demands, the inbox and its e-mail (uses ``accounts``).

Beside them only shared helpers: ``clock`` (the consortium's days), ``errors`` (errors meant
for users) and ``settings`` (the one typed ``Settings``). No Flask here and no wiring: the
processes (``api.wiring``) build these objects and hand them their collaborators.
"""
