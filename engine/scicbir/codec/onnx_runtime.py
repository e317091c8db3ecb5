"""The onnxruntime path for the analysis transform and hash head.

On the CPU onnxruntime runs the analysis transform about twice as fast as torch. The export
(``scicbir.models.onnx_export``) maps a padded batch x (B, C, P, P) to the latents y and the
hash logits u (computed from y or round(y) per the model's ``hash_side``). The entropy coder
cannot be exported and always runs in torch/compressai.
"""

from __future__ import annotations

import os

import numpy as np

from scicbir.errors import InputError
from scicbir.models.package import ModelPackage


class OnnxAnalysis:
    """An onnxruntime session of a package's ``analysis.onnx``."""

    def __init__(self, path: str, threads: int | None = None) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        threads = threads or int(os.environ.get("OMP_NUM_THREADS", "0") or 0)
        if threads:
            options.intra_op_num_threads = threads
            options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.path = path
        self.session = ort.InferenceSession(
            path, sess_options=options, providers=["CPUExecutionProvider"]
        )

    @classmethod
    def for_package(cls, package: ModelPackage, required: bool = False) -> OnnxAnalysis | None:
        """The session of the package's export, or None (``required``: raise instead)."""
        path = package.onnx_path("analysis")
        if path is None:
            if required:
                raise InputError(
                    f"model '{package.model_id}' has no current ONNX export; run "
                    f"`scicbir model export-onnx {package.path}` or use backend 'torch'"
                )
            return None
        try:
            import onnxruntime  # noqa: F401
        except ImportError as exc:
            if required:
                raise InputError("onnxruntime is not installed; use backend 'torch'") from exc
            return None
        return cls(str(path))

    def run(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(y, u) for a padded float32 batch."""
        y, u = self.session.run(["y", "u"], {"x": np.ascontiguousarray(x, dtype=np.float32)})
        return y, u
