"""The codec's transforms on worker threads beside the entropy coder: same streams, same
pixels, same codes as coding everything in one batch on the calling thread."""

from __future__ import annotations

import threading

import numpy as np
import pytest
import torch

from scicbir.codec import transform_threads
from scicbir.codec.blas_threads import single_threaded_torch
from scicbir.codec.codec import TileCodec
from scicbir.models.package import ModelPackage
from tests.codec.conftest import copy_with_onnx_exports


@pytest.fixture(scope="module")
def exported(checkerboard_rgb_model, tmp_path_factory) -> ModelPackage:
    return copy_with_onnx_exports(
        checkerboard_rgb_model, tmp_path_factory.mktemp("threads") / "rgb"
    )


@pytest.fixture(scope="module")
def tiles(rgb_image) -> np.ndarray:
    """11 tiles of the NEON image (three batches of 4, the last one short)."""
    cells = [(r, c) for r in range(0, 320, 80) for c in range(0, 240, 80)][:11]
    return np.stack([rgb_image[:, r : r + 64, c : c + 64] for r, c in cells])


def test_split_batches_keep_tile_order_and_onnx_bits(exported, tiles):
    codec = TileCodec(exported, backend="onnx")
    x = codec.normalisation.forward(tiles)[:8]
    padded = codec._to_network(x).numpy()
    whole = codec._analysis_arrays(padded)
    pending = transform_threads.submit(codec._analysis_arrays, padded, split=True)
    parts = pending.result()
    assert len(pending._chunks) == min(transform_threads.pool_size(), 8)
    for a, b in zip(whole, parts, strict=True):
        assert np.array_equal(a, b)  # one-thread onnxruntime: each tile's bits, whatever the split
    assert pending.seconds > 0


def test_pipelined_batches_give_the_streams_and_pixels_of_one_batch(exported, tiles):
    one = TileCodec(exported, backend="onnx", batch_size=len(tiles))
    pipelined = TileCodec(exported, backend="onnx", batch_size=4)
    x = one.normalisation.forward(tiles)
    seen: list[tuple[int, int]] = []
    a = one.encode(x)
    b = pipelined.encode(x, progress=lambda done, total, _: seen.append((done, total)))
    assert [e.stream for e in a] == [e.stream for e in b]
    assert [e.code for e in a] == [e.code for e in b]
    assert seen == [(4, 11), (8, 11), (10, 11), (11, 11)]  # the last batch halved
    streams = [e.stream for e in a]
    seen.clear()
    decoded = pipelined.decode_many(streams, progress=lambda d, t, _: seen.append((d, t)))
    assert seen == [(2, 11), (6, 11), (10, 11), (11, 11)]  # a half batch first
    assert all(np.array_equal(p, q) for p, q in zip(one.decode_many(streams), decoded, strict=True))
    assert pipelined.timings.transforms > 0 and pipelined.timings.entropy > 0
    assert pipelined.decode_many([]) == []


def test_torch_backend_runs_its_transforms_off_the_calling_thread_too(exported, tiles):
    codec = TileCodec(exported, backend="torch", batch_size=4)
    x = codec.normalisation.forward(tiles[:6])
    encoded = codec.encode(x)
    reference = TileCodec(exported, backend="torch", batch_size=6)
    assert [e.stream for e in encoded] == [e.stream for e in reference.encode(x)]
    decoded = codec.decode_many([e.stream for e in encoded])
    assert all(np.array_equal(p, q) for p, q in zip(
        decoded, reference.decode_many([e.stream for e in encoded]), strict=True))  # fmt: skip


def test_batches_leave_one_stage_alone_for_half_a_batch_only():
    sizes = [[s.stop - s.start for s in transform_threads.batch_slices(n, 16, short)]
             for n in (5, 24, 64) for short in ("first", "last")]  # fmt: skip
    assert sizes == [[5], [5], [8, 16], [16, 8], [8, 16, 16, 16, 8], [16, 16, 16, 8, 8]]
    assert transform_threads.batch_slices(0, 16, "first") == []
    with pytest.raises(ValueError):
        transform_threads.batch_slices(10, 4, "middle")


def test_a_transform_error_reaches_the_caller():
    def broken(x: np.ndarray) -> tuple[np.ndarray]:
        raise ValueError("synthesis failed")

    pending = transform_threads.submit(broken, np.zeros((8, 3)), split=True)
    with pytest.raises(ValueError, match="synthesis failed"):
        pending.result()


def test_single_thread_block_is_the_calling_threads_own_and_restored():
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        inside = threading.Event()
        release = threading.Event()
        seen: list[int] = []

        def other() -> None:
            torch.set_num_threads(2)
            with single_threaded_torch():
                seen.append(torch.get_num_threads())
                inside.set()
                release.wait(10)
            seen.append(torch.get_num_threads())

        worker = threading.Thread(target=other)
        worker.start()
        assert inside.wait(10)
        assert torch.get_num_threads() == 2  # another thread's block leaves this one alone
        with single_threaded_torch():
            assert torch.get_num_threads() == 1
            release.set()
            worker.join(10)
            assert torch.get_num_threads() == 1  # ... and so does its end
        assert torch.get_num_threads() == 2
        assert seen == [1, 2]
    finally:
        torch.set_num_threads(before)


def test_an_encoding_process_sizes_the_pool_to_its_share_of_the_cores():
    before = transform_threads.pool_size()
    try:
        transform_threads.use_workers(1)
        assert transform_threads.pool_size() == 1
        pending = transform_threads.submit(lambda x: (x * 2,), np.arange(16.0), split=True)
        assert len(pending._chunks) == 1 and np.array_equal(
            pending.result()[0], np.arange(16.0) * 2
        )
    finally:
        transform_threads.use_workers(before)
    assert transform_threads.pool_size() == before
