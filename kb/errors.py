"""One exception hierarchy, so the CLI can turn any expected failure into one clear line.

Every message says what failed, where, and how to fix it.
"""

from __future__ import annotations


class KBError(Exception):
    """Base class of every error policykb expects and reports without a traceback."""


class CorpusError(KBError):
    """A corpus file or its metadata cannot be used (encoding, emptiness, binary, bad fields)."""


class MetadataError(CorpusError):
    """A document's metadata file has a missing or wrong field."""


class DocumentNotFoundError(CorpusError):
    """No document with the requested id or path."""


class OntologyError(KBError):
    """The ontology cannot be loaded or is inconsistent."""


class RuleLoadError(KBError):
    """A rule file is malformed; the message names the rule id."""
