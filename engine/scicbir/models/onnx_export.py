"""Export the parts of a package's network that ONNX can hold: analysis + hash head, synthesis.

``analysis.onnx`` maps a padded batch ``x`` (B, C, P, P) float32 to ``y`` (B, N, P/16, P/16),
the latents, and ``u`` (B, q), the hash logits (from y or round(y), per ``hash_side``): exactly
what encoding and hashing need before the entropy coder, which ONNX cannot hold.
``synthesis.onnx`` maps ŷ to x̂ (the decoder's transform). onnxruntime runs both several times
faster than torch on the CPU, and its float32 convolutions give the same bits whatever the
thread count or batch size (measured; torch's do not), so decoding stays bit-identical across
processes on the same kind of CPU. The legacy
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
from scicbir.models.network import analyse
from scicbir.models.package import ModelPackage, write_manifest

ANALYSIS_FILE = "analysis.onnx"
SYNTHESIS_FILE = "synthesis.onnx"
OPSET = 17


class AnalysisAndHash(nn.Module):
    """x -> (y, u): the part of encoding that runs before the entropy coder."""

    def __init__(self, net: nn.Module) -> None:
        super().__init__()
        self.g_a = net.g_a
        self.hash_head = net.hash_head
        self.taps = net.config.hash_taps
        self.decoder_side = net.config.hash_side == "decoder"
        self.pooling = net.config.hash_tap_pooling

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor]:
        y, hash_input = analyse(self.g_a, x, self.taps, self.decoder_side, self.pooling)
        return y, self.hash_head.logits(hash_input)


def _parts(net: nn.Module, config) -> dict[str, tuple[nn.Module, Tensor, list, list, str]]:
    """Per part: module, example input, input and output names, file name."""
    side = config.padded_size
    x = torch.rand(2, config.num_bands, side, side)
    with torch.no_grad():
        y = torch.round(net.g_a(x))
    return {
        "analysis": (AnalysisAndHash(net).eval(), x, ["x"], ["y", "u"], ANALYSIS_FILE),
        "synthesis": (net.g_s.eval(), y, ["y"], ["x"], SYNTHESIS_FILE),
    }


def export_in_memory(package: ModelPackage, net: nn.Module | None = None) -> dict[str, bytes]:
    """ONNX models of ``package``'s analysis and synthesis as bytes, checked against torch.

    For rate points whose exports are not stored in the package: exporting both parts of a
    64 px model takes well under a second, so a codec at such a point still gets onnxruntime's
    speed (and its thread-independent results) without tens of MB of files per point.
    """
    import io

    net = net if net is not None else package.build_network("cpu")
    models = {}
    for part, (module, example, inputs, outputs, _name) in _parts(net, package.config).items():
        buffer = io.BytesIO()
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                module,
                (example,),
                buffer,
                input_names=inputs,
                output_names=outputs,
                dynamic_axes={name: {0: "batch"} for name in inputs + outputs},
                opset_version=OPSET,
                dynamo=False,
            )
        models[part] = buffer.getvalue()
        _compare(models[part], module, example, inputs[0], outputs)
    return models


def export_analysis(package: ModelPackage, check: bool = True) -> Path:
    """Write ``analysis.onnx`` and ``synthesis.onnx`` into the package, record them in
    ``package.json`` (with the weights checksum they were made from) and return the first."""
    net = package.build_network("cpu")
    parts = _parts(net, package.config)
    manifest = dict(package.manifest)
    manifest["onnx"] = dict(manifest.get("onnx", {}))
    for part, (module, example, inputs, outputs, name) in parts.items():
        target = package.path / name
        _export(module, example, inputs, outputs, target, check)
        manifest["onnx"][part] = {
            "file": name,
            "weights_sha256": package.checksum,
            "opset": OPSET,
            "inputs": {inputs[0]: ["batch", *example.shape[1:]]},
            "outputs": outputs,
        }
    write_manifest(package.path, manifest)
    package.manifest = manifest
    return package.path / ANALYSIS_FILE


def _export(
    module: nn.Module,
    example: Tensor,
    inputs: list[str],
    outputs: list[str],
    target: Path,
    check: bool,
) -> None:
    tmp = target.with_suffix(".tmp.onnx")
    dynamic = {name: {0: "batch"} for name in inputs + outputs}
    try:
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                module,
                (example,),
                str(tmp),
                input_names=inputs,
                output_names=outputs,
                dynamic_axes=dynamic,
                opset_version=OPSET,
                dynamo=False,
            )
    except OSError as exc:
        raise InputError(
            f"cannot write {target}: {exc.strerror}; is the package writable?"
        ) from exc
    if check:
        _check_export(tmp, module, example, inputs[0], outputs)
    tmp.replace(target)


def _check_export(
    path: Path, module: nn.Module, example: Tensor, input_name: str, outputs: list[str]
) -> None:
    """Refuse an export whose outputs differ from torch's (a broken operator mapping)."""
    try:
        _compare(str(path), module, example, input_name, outputs)
    except RuntimeError:
        path.unlink(missing_ok=True)
        raise


def _compare(
    model: str | bytes, module: nn.Module, example: Tensor, input_name: str, outputs: list[str]
) -> None:
    import numpy as np
    import onnxruntime as ort

    session = ort.InferenceSession(model, providers=["CPUExecutionProvider"])
    got = session.run(outputs, {input_name: example.numpy()})
    with torch.no_grad():
        ref = module(example)
    ref = ref if isinstance(ref, tuple) else (ref,)
    for name, a, b in zip(outputs, got, ref, strict=True):
        b = b.numpy()
        if not np.allclose(a, b, atol=1e-4 * (float(np.abs(b).max()) + 1e-6)):
            raise RuntimeError(f"ONNX export of '{name}' does not reproduce the torch output")
