"""Query embeddings through ONNX Runtime: the same transformer sentence-transformers runs,
exported once per model to an ONNX file.

A search embeds one short query at a time, where torch's per-call overhead dominates: on the
2-core machine all-MiniLM-L6-v2 took 17.4 ms p50 per query through sentence-transformers and
5.0 ms through ONNX Runtime in the same run, with vectors equal to 2e-7. Passages are still
encoded by torch (batches amortize the overhead).

Only the plain pipeline (Transformer, mean Pooling, optional Normalize) is exported; any
other model stays on torch. An exported file is trusted only after it reproduces torch's
vector for probe texts, so a stale or damaged file is exported again, never served.

By default the served file has 8-bit weights (dynamic quantization, one scale per output
channel). One query is a handful of tokens, so the run is bound by reading the weights, not
by arithmetic: on the 2-core machine MiniLM went from 4.4-5.1 ms to 2.7-3.2 ms p50 per query,
with cosines to torch's vectors of 0.991 on average (0.973 at worst over 300 queries).
Passages keep full precision. Retrieval did not move beyond noise (SciFact train hybrid
0.733 -> 0.731, test 0.725 -> 0.727; StackFAQ hybrid 0.975 both). ``PORTAL_ONNX=fp32``
serves the exact export.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import threading
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from indexer.embeddings import _unit, configured_threads

log = logging.getLogger(__name__)

PROBES = [
    "How do I reset my password? 비밀번호를 재설정하려면 어떻게 하나요",
    "Vitamin D deficiency is unrelated to birth weight.",
    "refund for an order that never arrived",
]
TOLERANCE = 1e-4  # largest difference from torch's vector allowed for the exact export
INT8_COSINE = 0.95  # smallest cosine to torch's vector allowed for the 8-bit file


def configured_precision() -> str | None:
    """``PORTAL_ONNX``: "int8" (default), "fp32", or None when switched off."""
    value = os.environ.get("PORTAL_ONNX", "int8").lower()
    if value in ("0", "off", "no", "false"):
        return None
    return "fp32" if value == "fp32" else "int8"


def export_directory() -> Path:
    """Where exported models are kept (``PORTAL_ONNX_DIR``; default under ~/.cache)."""
    configured = os.environ.get("PORTAL_ONNX_DIR")
    return Path(configured) if configured else Path.home() / ".cache" / "helpcenter-onnx"


def runtime_threads() -> int:
    """ONNX Runtime threads per query (``PORTAL_EMBED_THREADS``, else the cores, at most 4)."""
    return configured_threads() or min(4, os.cpu_count() or 1)


def tokenizer_of(model):
    """sentence-transformers' own tokenization (``preprocess``, formerly ``tokenize``)."""
    return getattr(model, "preprocess", None) or model.tokenize


def plain_pipeline(model) -> bool:
    """True for Transformer -> mean Pooling -> optional Normalize, the pipeline exported."""
    modules = [type(module).__name__ for module in model]
    if modules not in (["Transformer", "Pooling"], ["Transformer", "Pooling", "Normalize"]):
        return False
    pooling = model[1]
    return getattr(pooling, "pooling_mode", None) == "mean" or bool(
        getattr(pooling, "pooling_mode_mean_tokens", False)
        and not any(
            getattr(pooling, flag, False)
            for flag in ("pooling_mode_cls_token", "pooling_mode_max_tokens")
        )
    )


class OnnxQueryEncoder:
    """Unit query vectors from an exported transformer, tokenized as sentence-transformers does."""

    def __init__(self, model, path: Path):
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = runtime_threads()
        options.log_severity_level = 3
        # Idle ONNX Runtime threads spin for a while after each run, on the cores the next
        # step needs: a Korean search embeds its English translation with MiniLM here, then
        # the next search's e5 (OpenMP) ran beside them: p50 43 -> 97 ms instead of 47. Not
        # spinning costs an English search ~1.5 ms (8.3 -> 9.7 ms p50, 150 queries).
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.path = path
        self.session = onnxruntime.InferenceSession(
            str(path), options, providers=["CPUExecutionProvider"]
        )
        self.input_names = [i.name for i in self.session.get_inputs()]
        self._tokenize = tokenizer_of(model)
        # Rust tokenizers refuse concurrent calls that set truncation ("Already borrowed").
        self._tokenizer_lock = threading.Lock()

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Mean-pooled, unit-length vectors of ``texts``."""
        with self._tokenizer_lock:
            features = self._tokenize(list(texts))
        inputs = {name: features[name].numpy().astype(np.int64) for name in self.input_names}
        hidden = self.session.run(None, inputs)[0]
        mask = inputs["attention_mask"][..., None].astype(np.float32)
        return _unit((hidden * mask).sum(axis=1) / np.maximum(mask.sum(axis=1), 1e-9))


def export(model, path: Path) -> None:
    """Write ``model``'s transformer to ``path`` as ONNX (atomically: other processes may
    be exporting the same model)."""
    import torch

    transformer = model[0].auto_model
    features = tokenizer_of(model)(PROBES[:1])
    names = [n for n in ("input_ids", "attention_mask", "token_type_ids") if n in features]

    class LastHiddenState(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.transformer = transformer

        def forward(self, *tensors):
            return self.transformer(**dict(zip(names, tensors, strict=True))).last_hidden_state

    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=path.parent, suffix=".onnx.tmp")
    os.close(handle)
    try:
        with warnings.catch_warnings(), torch.inference_mode(False):
            warnings.simplefilter("ignore")
            torch.onnx.export(
                LastHiddenState().eval(),
                tuple(features[n] for n in names),
                tmp,
                input_names=names,
                output_names=["last_hidden_state"],
                dynamic_axes={n: {0: "batch", 1: "tokens"} for n in [*names, "last_hidden_state"]},
                opset_version=17,
                dynamo=False,
            )
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)


class _PreprocessingAdvice(logging.Filter):
    """Drops the quantizer's advice to pre-process, which fails on this graph (its shape
    inference stops at the exported attention)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "pre-processing" not in record.getMessage()


def quantize(exported: Path, path: Path) -> None:
    """Write ``exported`` with 8-bit weights to ``path`` (atomically, as :func:`export`)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    handle, tmp = tempfile.mkstemp(dir=path.parent, suffix=".onnx.tmp")
    os.close(handle)
    advice = _PreprocessingAdvice()
    logging.getLogger().addFilter(advice)
    try:
        quantize_dynamic(exported, tmp, per_channel=True, weight_type=QuantType.QInt8)
        os.replace(tmp, path)
    finally:
        logging.getLogger().removeFilter(advice)
        Path(tmp).unlink(missing_ok=True)


def agrees(vectors: np.ndarray, expected: np.ndarray, precision: str) -> bool:
    """True when an encoder's probe vectors are torch's (exactly enough for ``precision``)."""
    if precision == "fp32":
        return bool(np.abs(vectors - expected).max() <= TOLERANCE)
    return bool((vectors * expected).sum(axis=1).min() >= INT8_COSINE)


def onnx_query_encoder(model, name: str, torch_encode) -> OnnxQueryEncoder | None:
    """An ONNX encoder for a loaded SentenceTransformer that reproduces ``torch_encode``
    (texts -> unit vectors), or None when ONNX Runtime cannot serve this model."""
    precision = configured_precision()
    if precision is None:
        return None
    try:
        import onnx  # noqa: F401 - the exporter needs it
        import onnxruntime  # noqa: F401
    except ImportError:
        return None
    if not plain_pipeline(model):
        return None
    digest = hashlib.sha256(f"{name}|{model}".encode()).hexdigest()[:16]
    exported = export_directory() / f"{digest}.onnx"
    path = exported if precision == "fp32" else exported.with_suffix(".int8.onnx")
    expected = torch_encode(PROBES)
    for attempt in ("cached", "exported"):
        try:
            if attempt == "exported" or not path.exists():
                if attempt == "exported" or not exported.exists():
                    export(model, exported)
                if path != exported:
                    quantize(exported, path)
            encoder = OnnxQueryEncoder(model, path)
            if agrees(encoder.encode(PROBES), expected, precision):
                return encoder
            log.warning("ONNX model %s disagrees with torch; exporting again", path)
        except Exception:  # noqa: BLE001 - any failure means: stay on torch
            log.warning("ONNX query encoder for %s unavailable (%s)", name, attempt, exc_info=True)
    return None
