"""Pure primitives every stage of the pipeline shares: the translation marker, a text
derived from a raw one with its offset map (``pieces``), the stored token codec
(``tokens``), character tags (``tags``) and an annotation checked against its snippet
and project (``validation``). No Django, and no import of a stage: ingest, work, quality
and delivery import these, never each other for them (contracts in pyproject.toml)."""
