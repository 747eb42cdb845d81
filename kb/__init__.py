"""policykb: a rule-based knowledge base of Chinese Party supervision rules, with provenance.

The pipeline is one module per stage: `corpus` (files and metadata) → `normalise` (clean text
and offset map) → `segment` (document tree) → `extract` → `graph` → `store`; `KnowledgeBase`
(from `kb.core`) opens or builds the knowledge base and answers questions.
"""

from kb.core import KnowledgeBase, Norm, Provenance
from kb.corpus import Corpus, Document, DocumentMeta, load_corpus, load_text_document, open_document
from kb.errors import CorpusError, KBError, MetadataError
from kb.normalise import Normalised, normalise
from kb.segment import Segment, segment_document

__all__ = [
    "Corpus",
    "CorpusError",
    "Document",
    "DocumentMeta",
    "KBError",
    "KnowledgeBase",
    "MetadataError",
    "Norm",
    "Normalised",
    "Provenance",
    "Segment",
    "load_corpus",
    "load_text_document",
    "normalise",
    "open_document",
    "segment_document",
]
