"""Query embeddings through ONNX Runtime: torch's vectors (exactly, or through 8-bit weights
that rank the same), or torch itself."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from indexer.embeddings import make_embedder
from indexer.onnxquery import OnnxQueryEncoder, plain_pipeline

TEXTS = [
    "reset password",
    "비밀번호를 재설정하려면 어떻게 하나요",
    "Vitamin D deficiency is unrelated to birth weight.",
    'AND OR * ~ ( "',
    "word " * 3000,  # longer than the model's 256 tokens: truncated the same way
    "",
]


PASSAGES = [
    "To reset your password, open Settings and choose Forgot password.",
    "Refunds reach your card five to ten business days after we receive the return.",
    "Orders shipped abroad may owe customs duties on delivery.",
    "비밀번호를 재설정하려면 로그인 화면에서 비밀번호 찾기를 누르세요.",
]
QUESTIONS = [
    "I forgot my password",
    "when will I get my money back",
    "do I pay import tax on international orders",
    "비밀번호 재설정",
]


@pytest.fixture
def onnx_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("PORTAL_ONNX_DIR", str(tmp_path / "onnx"))
    return tmp_path / "onnx"


@pytest.fixture
def exact(onnx_dir, monkeypatch):
    monkeypatch.setenv("PORTAL_ONNX", "fp32")
    return onnx_dir


def torch_vectors(embedder, texts):
    return embedder._encode(texts, "")


def test_queries_through_the_exact_export_equal_torchs(exact):
    embedder = make_embedder("minilm")
    vectors = embedder.encode_queries(TEXTS)
    assert isinstance(embedder._onnx(), OnnxQueryEncoder)
    assert [path.name for path in exact.glob("*.onnx")] == [embedder._onnx().path.name]
    assert vectors.shape == (len(TEXTS), 384)
    assert np.abs(vectors - torch_vectors(embedder, TEXTS)).max() < 1e-5
    one_by_one = np.vstack([embedder.encode_queries([text]) for text in TEXTS])
    assert np.abs(one_by_one - vectors).max() < 1e-5  # padding in a batch changes nothing
    with ThreadPoolExecutor(4) as pool:
        concurrent = np.vstack(list(pool.map(lambda t: embedder.encode_queries([t]), TEXTS * 4)))
    assert np.abs(concurrent - np.vstack([one_by_one] * 4)).max() < 1e-6


def test_default_queries_run_on_8_bit_weights_and_rank_like_torch(onnx_dir):
    embedder = make_embedder("minilm")
    served = embedder.encode_queries(QUESTIONS + TEXTS)
    assert embedder._onnx().path.name.endswith(".int8.onnx")
    exact = torch_vectors(embedder, QUESTIONS + TEXTS)
    cosines = (served * exact).sum(axis=1)
    assert cosines.min() > 0.95
    assert np.abs(served - exact).max() > 1e-3  # really the 8-bit file, not torch's vectors
    passages = embedder.encode_passages(PASSAGES)
    best = (served[: len(QUESTIONS)] @ passages.T).argmax(axis=1)
    assert best.tolist() == (exact[: len(QUESTIONS)] @ passages.T).argmax(axis=1).tolist()
    assert best.tolist() == [0, 1, 2, 3]


def test_a_damaged_8_bit_file_is_made_again_not_served(onnx_dir):
    make_embedder("minilm").encode_queries(["warm up"])
    quantized = next(onnx_dir.glob("*.int8.onnx"))
    quantized.write_bytes(b"not an onnx model")

    embedder = make_embedder("minilm")
    vectors = embedder.encode_queries(TEXTS[:3])
    assert embedder._onnx().path == quantized
    assert (vectors * torch_vectors(embedder, TEXTS[:3])).sum(axis=1).min() > 0.95
    assert quantized.stat().st_size > 1_000_000


def test_a_damaged_export_is_exported_again_not_served(exact):
    make_embedder("minilm").encode_queries(["warm up"])
    exported = next(exact.glob("*.onnx"))
    exported.write_bytes(b"not an onnx model")

    embedder = make_embedder("minilm")
    vectors = embedder.encode_queries(TEXTS[:3])
    assert isinstance(embedder._onnx(), OnnxQueryEncoder)
    assert np.abs(vectors - torch_vectors(embedder, TEXTS[:3])).max() < 1e-5
    assert exported.stat().st_size > 1_000_000


def test_switched_off_or_unusual_models_stay_on_torch(onnx_dir, monkeypatch):
    from sentence_transformers import SentenceTransformer, models

    embedder = make_embedder("minilm")
    model = embedder._load()
    assert plain_pipeline(model)
    projected = SentenceTransformer(modules=[model[0], model[1], models.Dense(384, 128)])
    assert not plain_pipeline(projected)

    monkeypatch.setenv("PORTAL_ONNX", "off")
    assert embedder._onnx() is None
    assert not list(onnx_dir.glob("*.onnx"))
    assert (
        np.abs(embedder.encode_queries(TEXTS[:2]) - torch_vectors(embedder, TEXTS[:2])).max() == 0
    )
