"""Stage-2 Pareto checkpoints of a training run as model packages: the points of the RD curve.

Stage 2 of the trainer keeps every bit-rate plateau as ``stage2_pareto_<i>.pt`` (weights, figures
and the model config, written by the engine itself and read with ``weights_only=True``). The
benchmark codes real streams with each of them, so each needs to be a package; they are written
to a scratch folder, never next to the shipped models. Their hash part is not trained yet: they
serve the rate-distortion curve only.
"""

from __future__ import annotations

import re
from pathlib import Path

PATTERN = re.compile(r"stage2_pareto_(\d+)\.pt$")


def pareto_checkpoints(folder: Path) -> list[Path]:
    """``stage2_pareto_<i>.pt`` files of a run's checkpoint folder, in plateau order."""
    found = [
        (int(m.group(1)), p)
        for p in folder.glob("stage2_pareto_*.pt")
        if (m := PATTERN.search(p.name))
    ]
    return [p for _, p in sorted(found)]


def package_from_checkpoint(checkpoint: Path, out: Path):
    """Write one Pareto checkpoint as a model package under ``out`` and load it."""
    from scicbir.models.config import ModelConfig
    from scicbir.models.network import SciCbirNet
    from scicbir.models.package import ModelPackage
    from scicbir.training.checkpoint import load_checkpoint

    state = load_checkpoint(checkpoint)
    if "model" not in state or "model_config" not in state:
        raise ValueError(f"{checkpoint} is not a stage-2 weights checkpoint of the trainer")
    config = ModelConfig.from_json(state["model_config"], str(checkpoint))
    index = PATTERN.search(checkpoint.name)
    name = f"{config.name}-pareto-{index.group(1) if index else checkpoint.stem}"
    config = config.replace(name=name)
    net = SciCbirNet(config)
    net.load_state_dict(state["model"])
    figures = state.get("figures", {})
    card = (
        f"# {name}\n\nStage-2 Pareto point of the training run in {checkpoint.parent} "
        f"(validation figures at the plateau: {figures}). Compression part trained; hash part "
        "from stage 2 (not used).\n"
    )
    return ModelPackage.save(net, config, out / name, card)


def pareto_packages(folders: list[Path], out: Path) -> list:
    """Packages of every Pareto checkpoint in the given checkpoint folders."""
    packages = []
    for folder in folders:
        checkpoints = pareto_checkpoints(folder)
        if not checkpoints:
            raise FileNotFoundError(
                f"no stage2_pareto_<i>.pt in {folder}; give a run's checkpoints folder "
                "(e.g. runs/default-rgb/checkpoints) after stage 2 has run"
            )
        packages += [package_from_checkpoint(c, out) for c in checkpoints]
    return packages


def find_run_checkpoints(runs: Path, model_id: str, checksum: str | None = None) -> Path | None:
    """The checkpoints folder of the training run (``runs/*/config.json``) named ``model_id``.

    Only a folder that holds Pareto checkpoints counts; runs are not shipped, so on most
    machines there is none and the curve has one point per package. With ``checksum``, only
    the run whose finished package (``<run>/<model_id>/package.json``) has these weights
    counts, so an earlier run under the same name never adds its points to another model.
    """
    import json

    for config in sorted(runs.glob("*/config.json")):
        try:
            name = json.loads(config.read_text(encoding="utf-8")).get("name")
        except (OSError, ValueError):
            continue
        folder = config.parent / "checkpoints"
        if name != model_id or not pareto_checkpoints(folder):
            continue
        if checksum is not None and _run_package_checksum(config.parent / model_id) != checksum:
            continue
        return folder
    return None


def _run_package_checksum(package_dir: Path) -> str | None:
    import json

    try:
        manifest = json.loads((package_dir / "package.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return manifest.get("weights_sha256")
