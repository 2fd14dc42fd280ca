"""The domain: entities in and out, ranking with explanations, imports.

No Flask here: the API and the CLI call into this package, never the other way round.
"""
