"""The real packaged model: unit vectors, batch-independent, and a clear error when missing."""

from __future__ import annotations

import numpy as np
import pytest

from embeddings import Encoder, ModelLoadError


def test_vectors_are_unit_length_and_batch_independent(encoder: Encoder) -> None:
    texts = ["PLC programming", "TIG welding", "5G base station maintenance"]
    batch = encoder.encode(texts)
    assert batch.shape == (3, encoder.dimension) and batch.dtype == np.float32
    assert np.allclose(np.linalg.norm(batch, axis=1), 1.0, atol=1e-5)
    assert np.allclose(encoder.encode(texts[1:2])[0], batch[1], atol=1e-5)


def test_related_skills_are_closer_than_unrelated(encoder: Encoder) -> None:
    plc, ladder, welding = encoder.encode(["PLC programming", "ladder logic", "TIG welding"])
    assert plc @ ladder > plc @ welding


def test_a_missing_model_is_a_clear_error_not_a_fallback(tmp_path) -> None:  # type: ignore[no-untyped-def]
    broken = Encoder(str(tmp_path / "no-such-model"))
    with pytest.raises(ModelLoadError, match="cannot load embedding model .*no-such-model"):
        broken.encode(["anything"])
