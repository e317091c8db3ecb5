"""Export the analysis transform and hash head of a package to ONNX (``analysis.onnx``).

The graph maps a padded batch ``x`` (B, C, P, P) float32 to ``y`` (B, N, P/16, P/16), the
latents, and ``u`` (B, q), the hash logits (from y or round(y), per ``hash_side``): exactly
what encoding and hashing need before the entropy coder, which ONNX cannot hold. The legacy
TorchScript exporter is used because it keeps the weights inside the one ``.onnx`` file (the
dynamo exporter writes them to a side ``.onnx.data`` file). The export records the weights
checksum it was made from; a package whose weights changed ignores a stale export.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import torch
from torch import Tensor, nn

from scicbir.errors import InputError
from scicbir.models.package import ModelPackage, write_manifest

ANALYSIS_FILE = "analysis.onnx"
OPSET = 17


class AnalysisAndHash(nn.Module):
    """x -> (y, u): the part of encoding that runs before the entropy coder."""

    def __init__(self, net: nn.Module) -> None:
        super().__init__()
        self.g_a = net.g_a
        self.hash_head = net.hash_head
        self.decoder_side = net.config.hash_side == "decoder"

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor]:
        y = self.g_a(x)
        source = torch.round(y) if self.decoder_side else y
        return y, self.hash_head.logits(source)


def export_analysis(package: ModelPackage, check: bool = True) -> Path:
    """Write ``analysis.onnx`` into the package folder and record it in ``package.json``."""
    net = package.build_network("cpu")
    module = AnalysisAndHash(net).eval()
    side = package.config.padded_size
    example = torch.rand(2, package.config.num_bands, side, side)
    target = package.path / ANALYSIS_FILE
    tmp = target.with_suffix(".tmp.onnx")
    try:
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                module,
                (example,),
                str(tmp),
                input_names=["x"],
                output_names=["y", "u"],
                dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}, "u": {0: "batch"}},
                opset_version=OPSET,
                dynamo=False,
            )
    except OSError as exc:
        raise InputError(
            f"cannot write {target}: {exc.strerror}; is the package writable?"
        ) from exc
    if check:
        _check_export(tmp, module, example)
    tmp.replace(target)
    manifest = dict(package.manifest)
    manifest.setdefault("onnx", {})
    manifest["onnx"] = dict(manifest["onnx"])
    manifest["onnx"]["analysis"] = {
        "file": ANALYSIS_FILE,
        "weights_sha256": package.checksum,
        "opset": OPSET,
        "inputs": {"x": ["batch", package.config.num_bands, side, side]},
        "outputs": ["y", "u"],
    }
    write_manifest(package.path, manifest)
    package.manifest = manifest
    return target


def _check_export(path: Path, module: nn.Module, example: Tensor) -> None:
    """Refuse an export whose outputs differ from torch's (a broken operator mapping)."""
    import numpy as np
    import onnxruntime as ort

    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    y, u = session.run(["y", "u"], {"x": example.numpy()})
    with torch.no_grad():
        y_ref, u_ref = module(example)
    scale = float(y_ref.abs().max()) + 1e-6
    if not np.allclose(y, y_ref.numpy(), atol=1e-4 * scale) or not np.allclose(
        u, u_ref.numpy(), atol=1e-3 * (float(u_ref.abs().max()) + 1e-6)
    ):
        path.unlink(missing_ok=True)
        raise RuntimeError("ONNX export does not reproduce the torch outputs")
