"""run_all refuses to publish figures of a random model unless told, and then labels them."""

from __future__ import annotations

from benchmarks import run_all


def test_untrained_models_are_refused_without_the_flag(tmp_path, capsys, monkeypatch):
    import torch

    from scicbir.models.testing import make_random_package

    monkeypatch.setattr(run_all, "pin_threads", lambda: None)  # keep this process's settings
    monkeypatch.setattr(torch, "set_num_threads", lambda n: None)
    package = make_random_package(tmp_path / "random", bands=3, tile_size=64, N=16, M=16)
    assert run_all.is_untrained(package)
    out = tmp_path / "docs" / "benchmarks.md"
    code = run_all.main(["--model", str(package.path), "--out", str(out), "--parts", "rd"])
    assert code == 2
    assert "--allow-untrained" in capsys.readouterr().err
    assert not out.exists()


def test_every_heading_of_an_untrained_report_says_so():
    report = run_all.Report(untrained=True)
    report.heading(2, "Rate-distortion")
    report.heading(3, "AID")
    assert all(s.rstrip().endswith("untrained model") for s in report.sections)
    trained = run_all.Report(untrained=False)
    trained.heading(2, "Rate-distortion")
    assert "untrained" not in trained.sections[0]


def test_missing_engine_scripts_are_reported_not_invented(tmp_path, monkeypatch):
    monkeypatch.setattr(run_all, "REPO", tmp_path)
    (tmp_path / "benchmarks").mkdir()
    args = run_all.parse_args(["--out", str(tmp_path / "b.md"), "--figures", str(tmp_path / "f")])
    report = run_all.Report(untrained=False)
    run_all.run_scripts(report, {}, args)
    text = "\n".join(report.sections)
    for script, _ in run_all.BENCH_SCRIPTS:
        assert f"`benchmarks/{script}` does not exist yet" in text
    assert report.record["scripts"]["bench_codec.py"] == {"status": "missing"}


def test_scripts_get_model_and_light_settings_only_through_options_they_have(tmp_path):
    class Package:
        path = tmp_path / "rgb-model"

    script = tmp_path / "bench_archive.py"
    script.write_text('parser.add_argument("--model")\nparser.add_argument("--json")\n')
    command = run_all.script_command(script, {3: [Package()]}, tmp_path / "out.json")
    assert command[2:] == ["--model", str(Package.path), "--json", str(tmp_path / "out.json")]
    script.write_text('parser.add_argument("--size")\n')
    assert run_all.script_command(script, {}, tmp_path / "o.json")[2:] == ["--size", "2048"]
