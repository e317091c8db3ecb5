"""The report judges every figure against the project's targets; a miss prints as missed."""

from __future__ import annotations

import math

import pytest

from benchmarks import run_all
from benchmarks.rate_distortion import RDPoint
from benchmarks.retrieval import RetrievalRow

TARGETS = run_all.TARGETS


def test_the_targets_are_the_projects():
    expected = {
        "rgb_bd_rate": (0.0, -20.0, False),
        "rgb_sa_ratio": (1.0, None, False),
        "s2_bits_saved": (60.0, 75.0, True),
        "rgb_map": (0.60, 0.75, True),
        "s2_map_over_ksh": (0.10, None, True),
        "map_gap_to_reference": (0.02, None, False),
        "throughput": (1 / 3, 1.0, True),
    }
    assert {k: (t.goal, t.aim, t.higher) for k, t in TARGETS.items()} == expected
    assert run_all.S2_MIN_PSNR == 40.0


@pytest.mark.parametrize(
    ("value", "verdict"),
    [(0.8, "met"), (0.75, "met"), (0.6, "met (aim not reached)"), (0.59, "**missed**")],
)
def test_goal_and_aim(value, verdict):
    assert TARGETS["rgb_map"].verdict(value) == verdict
    assert TARGETS["rgb_map"].text() == ">= 0.6 (aim >= 0.75)"


def test_lower_is_better_targets_and_unmeasured_figures():
    bd = TARGETS["rgb_bd_rate"]
    assert bd.verdict(-25.0) == "met"
    assert bd.verdict(-5.0) == "met (aim not reached)"
    assert bd.verdict(3.0, "needs more bits") == "**missed** (needs more bits)"
    assert bd.verdict(float("nan"), why_not="no overlap") == "**not measured**: no overlap"
    assert bd.verdict(None).startswith("**not measured**")


def _point(setting, bpp, psnr, sa, enc=10.0, dec=10.0):
    return RDPoint("SCI-CBIR", setting, bpp, psnr, sa, enc, dec, 4)


def test_rate_distortion_summaries_print_misses_with_their_figure():
    row = run_all._bd_summary("AID (test)", {"psnr": 12.5, "psnr_kind": "BD-rate"})
    assert row[2] == 12.5 and row[3].startswith("**missed**")
    row = run_all._bd_summary("AID (test)", {"psnr": float("nan"), "psnr_kind": "not computable"})
    assert row[3] == "**not measured**: not computable"
    # spectral angle: the worst rate point counts
    angles = [(_point("q1", 0.5, 30, 0.04), 0.05, ""), (_point("q2", 1, 33, 0.03), 0.025, "")]
    row = run_all._sa_summary("AID (test)", angles)
    assert row[2] == pytest.approx(1.2) and row[3].startswith("**missed**")
    row = run_all._sa_summary("AID (test)", angles[:1])
    assert row[2] == pytest.approx(0.8) and row[3] == "met"
    # 12 bands: the smallest saving among the points of at least 40 dB
    ours = [_point("q2", 0.3, 41, 0.01), _point("q3", 0.6, 45, 0.005)]
    row = run_all._saving_summary(
        "EuroSAT MS (test)", [(ours[0], -80.0, ""), (ours[1], -65.0, "")], ours
    )
    assert row[2] == pytest.approx(65.0) and row[3] == "met (aim not reached)"
    low = [_point("q1", 0.1, 35.2, 0.02)]
    row = run_all._saving_summary("EuroSAT MS (test)", [], low)
    assert row[2] == "best point 35.2 dB" and row[3].startswith("**missed**")
    # throughput: slower of encode/decode against the JPEG 2000 point nearest in bpp
    jp2 = [RDPoint("JPEG 2000", "Q", b, 30, 0.05, 100.0, 200.0, 4) for b in (0.5, 2.0)]
    row = run_all._throughput_summary("AID (test)", jp2, [_point("q1", 0.6, 30, 0.05, 50, 40)])
    assert row[2] == pytest.approx(0.2) and row[3].startswith("**missed**")
    row = run_all._throughput_summary("AID (test)", jp2, [_point("q1", 0.6, 30, 0.05, 50, 80)])
    assert row[2] == pytest.approx(0.4) and row[3] == "met (aim not reached)"


def _rows(ours: float, cosine: float, ksh: float) -> list[RetrievalRow]:
    return [
        RetrievalRow("SCI-CBIR codes (encoder side)", "model", 64, 0, 0, ours),
        RetrievalRow("exact cosine ranking", "model pre-hash features", None, 0, 0, cosine),
        RetrievalRow("KSH", "model pre-hash features", 64, 0, 0, ksh),
        RetrievalRow("KSH", "colour/gradient histogram", 64, 0, 0, ksh - 0.1),
        RetrievalRow("KSH", "colour/gradient histogram", 32, 0, 0, 1.0),  # other length
    ]


def test_retrieval_summaries():
    rgb = run_all._retrieval_summary("AID", 3, 64, _rows(0.62, 0.65, 0.7))
    assert rgb[0][2] == 0.62 and rgb[0][3] == "met (aim not reached)"
    assert rgb[1][2] == pytest.approx(0.03) and rgb[1][3] == "**missed**"
    split = run_all._retrieval_summary("AID", 3, 64, _rows(0.9, 0.9, 0.1), "split")
    assert split[0][3].startswith("**not measured**")  # the target is set on archive tiles
    s2 = run_all._retrieval_summary("EuroSAT MS", 12, 64, _rows(0.75, 0.76, 0.7))
    assert s2[0][2] == pytest.approx(0.05) and s2[0][3].startswith("**missed**")
    assert s2[0][1] == ">= +0.1"
    assert s2[1][3] == "met"
    s2 = run_all._retrieval_summary("EuroSAT MS", 12, 64, _rows(0.85, 0.8, 0.7))
    assert s2[0][3] == "met" and s2[1][2] == pytest.approx(-0.05)
    assert not any(math.isnan(r[2]) for r in s2)
