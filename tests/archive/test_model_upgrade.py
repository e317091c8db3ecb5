"""A model whose hashing part is retrained on its fixed codec (how the default models are
improved) replaces the old package under the same name: archives made with the old one keep
decoding, say how to move to the new codes, and move without re-encoding a tile."""

from __future__ import annotations

import dataclasses
import hashlib
import shutil
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[1] / "data"


def _packs_digest(archive: Path) -> str:
    digest = hashlib.sha256()
    for pack in sorted((archive / "packs").glob("*")):
        digest.update(pack.read_bytes())
    return digest.hexdigest()


@pytest.fixture
def upgraded(tmp_path, tiny_rgb_model):
    """An archive made with a model, then that model's folder replaced by its successor: the
    same codec and name, a hashing part with another input (``hash_taps``)."""
    from scicbir.archive.compress import compress_folder
    from scicbir.models.package import ModelPackage, with_hash_head
    from scicbir.training.self_supervised import fresh_head

    model = tmp_path / "models" / "tiny-rgb"
    shutil.copytree(tiny_rgb_model.path, model)
    old = ModelPackage.load(model)
    sources = tmp_path / "sources"
    sources.mkdir()
    shutil.copy(DATA / "rgb" / "rmnp-rgb.tif", sources)
    archive = tmp_path / "archive"
    compress_folder(sources, archive, str(model))
    config = dataclasses.replace(old.config, hash_taps=(7,))
    head = {f"hash_head.{k}": v for k, v in fresh_head(config, 3).state_dict().items()}
    successor = with_hash_head(
        old, head, tmp_path / "next", old.model_id, "# next\n", config=config
    )
    shutil.rmtree(model)
    shutil.move(str(successor.path), str(model))
    return archive, old, ModelPackage.load(model)


def test_an_archive_of_the_old_model_names_the_rehash_and_moves_without_reencoding(upgraded):
    from scicbir.archive.rehash import rehash_archive
    from scicbir.archive.store import Archive
    from scicbir.errors import ModelMismatchError
    from scicbir.search.api import search

    archive, old, new = upgraded
    assert new.checksum != old.checksum and new.stream_checksum == old.checksum
    assert new.config.hash_taps == (7,)
    with Archive.open(archive, read_only=True) as opened:
        ids, codes_before, _ = opened.catalog.codes()
        with pytest.raises(ModelMismatchError, match=f"scicbir archive rehash {archive}") as err:
            opened.package  # noqa: B018 - resolving the package is what refuses
        assert err.value.data["reason"] == "hashing_part_changed"
        assert err.value.data["given_model"] == new.model_id
    packs = _packs_digest(archive)
    summary = rehash_archive(archive, new)
    assert summary.tiles == len(ids) and summary.previous_model == old.model_id
    assert _packs_digest(archive) == packs  # no tile re-encoded
    with Archive.open(archive, read_only=True) as opened:
        ids_after, codes_after, _ = opened.catalog.codes()
        assert opened.package.checksum == new.checksum
        first = opened.catalog.tile(int(ids_after[0]))
        assert opened.codec().decode(opened.read_stream(first)).shape[0] == 3
    assert (ids_after == ids).all() and (codes_after != codes_before).any()
    assert len(search(archive, tile=int(ids[0]), k=3).hits) == 3


def test_a_model_with_another_codec_is_refused_for_rehash_and_as_a_successor(
    upgraded, tmp_path, tiny_s2_model
):
    from scicbir.archive.rehash import rehash_archive
    from scicbir.errors import InputError
    from scicbir.models.package import with_hash_head

    archive, old, _ = upgraded
    wider = dataclasses.replace(old.config, N=old.config.N * 2)
    with pytest.raises(ValueError, match="codec settings differ.*'N'"):
        with_hash_head(old, {}, tmp_path / "wider", "wider", "# wider\n", config=wider)
    assert not (tmp_path / "wider").exists()
    with pytest.raises(InputError, match="another codec"):
        rehash_archive(archive, tiny_s2_model)
