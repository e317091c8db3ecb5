"""One optimisation step of each stage, and the per-epoch validation.

Stage 1 descends the distortion only (the paper) or the rate-distortion loss at one lambda.
Stage 2 takes the gradients of distortion and rate separately and descends their MGDA
combination (weights from the parameters both losses reach, i.e. the shared encoder; eq.
3.14-3.15), or fine-tunes to other lambdas. Stage 3 trains the hashing sub-losses combined by
PCGrad or DWA (eq. 3.17): on cached latents with the codec fixed (``stage3_cached_step``), or
jointly with the compression loss by MGDA (``stage3_step``). Each step returns the figures
that are logged: losses, MGDA weights, DWA weights, PCGrad conflict rate.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from scicbir.training.distributed import average_gradients
from scicbir.training.dwa import DynamicWeightAverage
from scicbir.training.losses import (
    balance_loss,
    central_similarity_losses,
    classification_loss,
    distortion_loss,
    psnr,
    rate_bpp,
    soft_pairwise_loss,
)
from scicbir.training.mgda import combine, mgda_weights
from scicbir.training.pcgrad import flatten, pcgrad, unflatten

Params = Sequence[nn.Parameter]


def _grads(loss: Tensor, params: Params, retain: bool) -> list[Tensor | None]:
    return list(torch.autograd.grad(loss, params, retain_graph=retain, allow_unused=True))


def _apply(params: Params, grads: Sequence[Tensor | None]) -> None:
    for p, g in zip(params, grads, strict=True):
        p.grad = None if g is None else g.detach()


def _mgda(gd: list[Tensor | None], gr: list[Tensor | None]) -> tuple[float, float]:
    """MGDA weights over the parameters that both losses reach (the shared encoder)."""
    shared = [i for i in range(len(gd)) if gd[i] is not None and gr[i] is not None]
    if not shared:
        return 0.5, 0.5
    return mgda_weights([gd[i] for i in shared], [gr[i] for i in shared])


def _opt_params(opt: torch.optim.Optimizer) -> list[Tensor]:
    return [p for group in opt.param_groups for p in group["params"]]


def _step(opt: torch.optim.Optimizer) -> None:
    """The optimizer step on the global batch's gradient: in a torchrun training the gradients
    of each rank's shard are averaged first (``scicbir.training.distributed``)."""
    average_gradients(_opt_params(opt))
    opt.step()


def forward(net: nn.Module, x: Tensor, hash: bool = True) -> dict[str, Any]:  # noqa: A002
    """Network forward on tiles of any side: replicate-padded to the network's multiple of 64
    (as the codec pads edge tiles), reconstruction cropped back so losses see real pixels only."""
    from scicbir.models.network import pad_to_multiple

    h, w = x.shape[-2:]
    out = net(pad_to_multiple(x), hash=hash)
    out["x_hat"] = out["x_hat"][..., :h, :w]
    return out


def aux_step(net: nn.Module, aux_opt: torch.optim.Optimizer) -> float:
    """Train the factorized entropy model's quantiles (compressai's auxiliary loss)."""
    loss = net.aux_loss()
    aux_opt.zero_grad(set_to_none=True)
    loss.backward()
    _step(aux_opt)
    return float(loss.detach())


def rd_loss(x: Tensor, out: dict[str, Any], lmbda: float) -> tuple[Tensor, Tensor, Tensor]:
    """(``lmbda * 255**2 * MSE + bpp``, MSE, bpp): compressai's rate-distortion loss for data
    normalised to [0, 1], so that its usual lambdas (0.0018 .. 0.18) mean what they mean there."""
    mse = torch.mean((x - out["x_hat"]) ** 2)
    bpp = rate_bpp(out["likelihoods"], x.shape[0] * x.shape[2] * x.shape[3])
    return lmbda * 255.0**2 * mse + bpp, mse, bpp


def stage1_step(
    net: nn.Module,
    opt: torch.optim.Optimizer,
    x: Tensor,
    loss: str = "ssim",
    lmbda: float = 0.0,
    clip_grad_norm: float = 0.0,
) -> dict[str, Any]:
    """Stage 1: ``"ssim"`` descends 1 - SSIM alone (the paper); ``"mse_rate"`` descends the
    rate-distortion loss at ``lmbda`` (``rd_loss``), which is also how stage 2's fine-tunes to
    other rate points run. ``clip_grad_norm`` > 0 bounds the gradient's norm before the step
    (compressai's training example clips at 1.0): at the large lambdas of 12-band data one
    outlier batch otherwise throws a converged codec back by several dB."""
    out = forward(net, x, hash=False)
    if loss == "mse_rate":
        total, mse, bpp = rd_loss(x, out, lmbda)
        opt.zero_grad(set_to_none=True)
        total.backward()
        average_gradients(_opt_params(opt))  # over the ranks of a torchrun training
        if clip_grad_norm > 0:
            torch.nn.utils.clip_grad_norm_(_opt_params(opt), clip_grad_norm)
        opt.step()
        return {
            "loss_rd": float(total.detach()),
            "loss_mse": float(mse.detach()),
            "bpp_estimate": float(bpp.detach()),
        }
    ld = distortion_loss(x, out["x_hat"])
    opt.zero_grad(set_to_none=True)
    ld.backward()
    _step(opt)
    bpp = rate_bpp(out["likelihoods"], x.shape[0] * x.shape[2] * x.shape[3])
    return {"loss_distortion": float(ld.detach()), "bpp_estimate": float(bpp.detach())}


def stage2_step(
    net: nn.Module, opt: torch.optim.Optimizer, x: Tensor, params: Params
) -> dict[str, Any]:
    out = forward(net, x, hash=False)
    ld = distortion_loss(x, out["x_hat"])
    lr_ = rate_bpp(out["likelihoods"], x.shape[0] * x.shape[2] * x.shape[3])
    gd = _grads(ld, params, retain=True)
    gr = _grads(lr_, params, retain=False)
    w1, w2 = _mgda(gd, gr)
    opt.zero_grad(set_to_none=True)
    _apply(params, combine([gd, gr], [w1, w2]))
    _step(opt)
    return {
        "loss_distortion": float(ld.detach()),
        "loss_rate_bpp": float(lr_.detach()),
        "mgda_w1": w1,
        "mgda_w2": w2,
    }


def hashing_losses(
    u_b_probs: tuple[Tensor, Tensor, Tensor | None],
    labels: Tensor,
    centres: Tensor | None = None,
) -> tuple[list[str], list[Tensor]]:
    """The hashing sub-losses of one batch. Without ``centres`` (the thesis): soft pairwise
    (eq. 3.6), bit balance (eq. 3.8) and, with labels in the model, classification from the
    codes (eq. 3.9). With ``centres`` (``stage3.hash_loss: central``): central similarity and
    quantisation (``scicbir.training.losses.central_similarity_losses``)."""
    u, b, probs = u_b_probs
    if centres is not None:
        centre, quant = central_similarity_losses(u, labels, centres)
        return ["loss_central", "loss_quantisation"], [centre, quant]
    names = ["loss_pairwise", "loss_balance"]
    losses = [soft_pairwise_loss(b, labels), balance_loss(b)]
    if probs is not None:
        names.append("loss_classification")
        losses.append(classification_loss(probs, labels))
    return names, losses


def hashing_gradients(
    names: list[str],
    losses: list[Tensor],
    params: Params,
    combiner: str,
    dwa: DynamicWeightAverage | None,
    seed: int,
) -> tuple[list[Tensor | None], dict[str, Any]]:
    """Gradients of the hashing sub-losses on ``params``, combined by PCGrad or DWA (eq. 3.17).

    PCGrad projects each task gradient off the others where they conflict, measured over
    ``params``: the parameters the step will move.
    """
    figures: dict[str, Any] = {n: float(v.detach()) for n, v in zip(names, losses, strict=True)}
    if combiner == "pcgrad":
        task = [_grads(loss, params, retain=True) for loss in losses]
        used = [i for i in range(len(params)) if any(t[i] is not None for t in task)]
        used_params = [params[i] for i in used]
        flats = [flatten([t[i] for i in used], used_params) for t in task]
        g, conflict = pcgrad(flats, seed=seed)
        grads: list[Tensor | None] = [None] * len(params)
        for i, gi in zip(used, unflatten(g, used_params), strict=True):
            grads[i] = gi
        figures["pcgrad_conflict_rate"] = conflict
        return grads, figures
    assert dwa is not None
    weights = dwa.weights()
    total = sum(w * loss for w, loss in zip(weights, losses, strict=True))
    grads = _grads(total, params, retain=True)
    dwa.update([figures[n] for n in names])
    for n, w in zip(names, weights, strict=True):
        figures[f"dwa_w_{n.removeprefix('loss_')}"] = w
    return grads, figures


def stage3_cached_step(
    net: nn.Module,
    opt: torch.optim.Optimizer,
    latents: Tensor,
    labels: Tensor,
    hash_params: Params,
    combiner: str,
    dwa: DynamicWeightAverage | None,
    seed: int,
    centres: Tensor | None = None,
) -> dict[str, Any]:
    """Stage 3 with the codec fixed: the hash head alone, on cached latents
    (``scicbir.training.latent_cache``). Same losses and combination as ``stage3_step``."""
    names, losses = hashing_losses(net.hash_head(latents), labels, centres)
    grads, figures = hashing_gradients(names, losses, list(hash_params), combiner, dwa, seed)
    opt.zero_grad(set_to_none=True)
    _apply(hash_params, grads)
    _step(opt)
    return figures


def stage3_step(
    net: nn.Module,
    opt: torch.optim.Optimizer,
    x: Tensor,
    labels: Tensor,
    comp_params: Params,
    hash_params: Params,
    combiner: str,
    dwa: DynamicWeightAverage | None,
    seed: int,
    centres: Tensor | None = None,
) -> dict[str, Any]:
    """Joint stage 3 (the thesis's path, for GPU runs that also fine-tune the codec): MGDA for
    distortion and rate, hashing sub-losses combined over codec and hash head together."""
    out = forward(net, x)
    ld = distortion_loss(x, out["x_hat"])
    lr_ = rate_bpp(out["likelihoods"], x.shape[0] * x.shape[2] * x.shape[3])
    names, losses = hashing_losses((out["u"], out["b"], out.get("class_probs")), labels, centres)
    all_params = list(comp_params) + list(hash_params)
    hash_grads, figures = hashing_gradients(names, losses, all_params, combiner, dwa, seed)
    nc = len(comp_params)
    gd = _grads(ld, comp_params, retain=True)
    gr = _grads(lr_, comp_params, retain=False)
    w1, w2 = _mgda(gd, gr)
    comp = combine([gd, gr, hash_grads[:nc]], [w1, w2, 1.0])
    opt.zero_grad(set_to_none=True)
    _apply(all_params, comp + hash_grads[nc:])
    _step(opt)
    figures.update(
        loss_distortion=float(ld.detach()),
        loss_rate_bpp=float(lr_.detach()),
        mgda_w1=w1,
        mgda_w2=w2,
    )
    return figures


@torch.no_grad()
def validate_hashing(
    net: nn.Module,
    latents: Tensor,
    labels: np.ndarray,
    retrieved: int = 8,
    map_at: Sequence[int] = (8, 20),
) -> dict[str, float]:
    """Retrieval figures of the validation tiles against each other, from cached latents (the
    codec is fixed in a cached stage 3, so its compression figures do not change)."""
    from scicbir.training.retrieval import retrieval_metrics

    was_training = net.training
    net.eval()
    try:
        u = torch.cat([net.hash_logits(latents[i : i + 256]) for i in range(0, len(latents), 256)])
    finally:
        net.train(was_training)
    codes, keep = u.cpu().numpy(), labels.sum(axis=1) > 0
    if keep.sum() < 2:
        return {}
    r = retrieval_metrics(
        codes[keep], labels[keep], codes[keep], labels[keep], retrieved, map_at, exclude_self=True
    )
    figures = {f"val_{k}": v for k, v in r.items()}
    figures["val_bit_balance"] = float(np.abs((codes >= 0).mean(axis=0) - 0.5).mean())
    return figures


@torch.no_grad()
def validate(
    net: nn.Module,
    batches: Sequence[tuple[Tensor, Tensor]],
    hashing: bool,
    retrieved: int = 8,
    map_at: Sequence[int] = (8, 20),
) -> dict[str, float]:
    """Validation figures with rounding quantisation: PSNR, SSIM, estimated bpp, and (hashing)
    precision/recall@R and mAP@k of each validation tile against the other ones."""
    from pytorch_msssim import ssim

    from scicbir.training.retrieval import retrieval_metrics

    was_training = net.training
    net.eval()
    psnrs, ssims, bits, pixels, sq_err, values = [], [], 0.0, 0, 0.0, 0
    codes, labels = [], []
    try:
        for x, y in batches:
            out = forward(net, x, hash=hashing)
            x_hat = out["x_hat"]
            psnrs.append(psnr(x, x_hat).cpu())
            ssims.append(float(ssim(x_hat, x, data_range=1.0, size_average=True)) * x.shape[0])
            bits += float(rate_bpp(out["likelihoods"], 1))
            pixels += x.shape[0] * x.shape[2] * x.shape[3]
            sq_err += float(((x - x_hat) ** 2).sum())
            values += x.numel()
            if hashing:
                codes.append(out["u"].cpu().numpy())
                labels.append(y.cpu().numpy())
    finally:
        net.train(was_training)
    n = sum(len(p) for p in psnrs)
    figures = {
        "val_psnr": float(torch.cat(psnrs).mean()),
        "val_ssim": sum(ssims) / max(n, 1),
        "val_bpp": bits / max(pixels, 1),
        "val_mse": sq_err / max(values, 1),
    }
    if hashing and n > 1:
        c, lab = np.concatenate(codes), np.concatenate(labels)
        keep = lab.sum(axis=1) > 0
        if keep.sum() > 1:
            r = retrieval_metrics(
                c[keep], lab[keep], c[keep], lab[keep], retrieved, map_at, exclude_self=True
            )
            figures.update({f"val_{k}": v for k, v in r.items()})
    return figures
