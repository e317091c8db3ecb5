"""The onnxruntime path for the analysis transform + hash head, and for the synthesis.

On the CPU onnxruntime runs these transforms several times faster than torch. The exports
(``scicbir.models.onnx_export``): ``analysis`` maps a padded batch x (B, C, P, P) to the latents
y and the hash logits u (computed from y or round(y) per the model's ``hash_side``);
``synthesis`` maps ŷ to x̂. The entropy coder cannot be exported and always runs in
compressai's rANS coder. A rate point without stored exports, of a package whose default point
has them, is exported in memory when its codec is built (``OnnxPart.exported_for``).
"""

from __future__ import annotations

import os

import numpy as np

from scicbir.errors import InputError
from scicbir.models.package import ModelPackage


class OnnxPart:
    """An onnxruntime session of one of a package's ONNX exports."""

    part = "analysis"
    inputs = ("x",)
    outputs = ("y", "u")

    def __init__(self, path: str | bytes, threads: int | None = None) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        threads = threads or int(os.environ.get("OMP_NUM_THREADS", "0") or 0)
        if threads:
            options.intra_op_num_threads = threads
            options.inter_op_num_threads = 1
        if threads == 1:  # no thread pool of its own: nothing to keep spinning between runs
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.path = path if isinstance(path, str) else "(exported in memory)"
        self.session = ort.InferenceSession(
            path, sess_options=options, providers=["CPUExecutionProvider"]
        )

    @classmethod
    def for_package(
        cls, package: ModelPackage, required: bool = False, threads: int | None = None
    ) -> OnnxPart | None:
        """The session of the package's export, or None (``required``: raise instead).

        ``threads``: the session's own threads (default ``OMP_NUM_THREADS``, else all cores);
        the codec asks for one and runs chunks of a batch side by side instead
        (``scicbir.codec.transform_threads``)."""
        path = package.onnx_path(cls.part)
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
        return cls(str(path), threads)

    @classmethod
    def exported_for(
        cls, package: ModelPackage, net=None, threads: int | None = None
    ) -> dict[str, OnnxPart] | None:
        """Sessions of both parts exported in memory, for a rate point the package stores no
        exports of while its default point has them (``package.onnx_on_load``); None when the
        package did not ask for it or the export fails (the codec then runs torch)."""
        if not package.onnx_on_load:
            return None
        try:
            import onnxruntime  # noqa: F401

            from scicbir.models.onnx_export import export_in_memory

            models = export_in_memory(package, net)
        except Exception:  # noqa: BLE001 - torch is the fallback, never a failure
            return None
        return {"analysis": OnnxAnalysis(models["analysis"], threads),
                "synthesis": OnnxSynthesis(models["synthesis"], threads)}  # fmt: skip

    def run(self, x: np.ndarray) -> list[np.ndarray]:
        """The outputs for one float32 batch."""
        feed = {self.inputs[0]: np.ascontiguousarray(x, dtype=np.float32)}
        return self.session.run(list(self.outputs), feed)


class OnnxAnalysis(OnnxPart):
    """``analysis.onnx``: padded x -> (latents y, hash logits u)."""


class OnnxSynthesis(OnnxPart):
    """``synthesis.onnx``: ŷ -> x̂."""

    part = "synthesis"
    inputs = ("y",)
    outputs = ("x",)
