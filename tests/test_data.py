import dataclasses
import functools
import http.server
import shutil
import threading
import zipfile

import pytest

from grader import data, settings


def test_splits_are_deterministic_and_cover_the_manifest():
    manifest = data.SIGNS.manifest()
    first = {rel: data.split_of(rel, data.SIGNS.splits) for rel in manifest}
    again = {rel: data.split_of(rel, data.SIGNS.splits) for rel in manifest}
    assert first == again
    counts = {split: list(first.values()).count(split) for split in data.SIGNS.splits}
    assert sum(counts.values()) == len(manifest) == 1852
    assert 0.12 < counts["holdout"] / len(manifest) < 0.18


def test_prepare_from_mirror_keeps_grader_split_apart(mirror, private_data):
    counts = data.prepare(data.SIGNS)
    students, graders = settings.student_data_dir(), settings.grader_data_dir()
    files = {split: {p.name for p in data.split_dir(data.SIGNS, split).rglob("*.JPG")} for split in counts}
    assert {split: len(names) for split, names in files.items()} == counts
    assert not files["holdout"] & (files["train"] | files["test"])
    assert not list(students.rglob("holdout")), "the grader-only split must not sit in the student tree"
    assert data.split_dir(data.SIGNS, "holdout").is_relative_to(graders)
    assert (students / "signs" / "LICENSE").is_file()
    assert sorted(p.name for p in (students / "signs" / "train").iterdir()) == [str(d) for d in range(10)]
    assert data.is_prepared(data.SIGNS)


def test_flowers_keep_their_photo_credits(mirror, private_data):
    data.prepare(data.FLOWERS)
    credits = (settings.student_data_dir() / "flowers" / "ATTRIBUTION.txt").read_text()
    some_photo = next((settings.student_data_dir() / "flowers" / "train" / "roses").iterdir())
    assert some_photo.name in credits and "CC-BY" in credits


def _copy_mirror(mirror, tmp_path):
    copy = tmp_path / "mirror"
    shutil.copytree(mirror / "datasets" / "sign_language_digits", copy / "datasets" / "sign_language_digits")
    return copy


def test_corrupt_photo_stops_with_a_clear_message(mirror, private_data, monkeypatch):
    copy = _copy_mirror(mirror, private_data)
    victim = copy / "datasets" / "sign_language_digits" / next(iter(data.SIGNS.manifest()))
    victim.write_bytes(victim.read_bytes()[:100])
    monkeypatch.setenv("CASE_STUDIES_MIRROR", str(copy))
    with pytest.raises(data.DataError, match="do not match their checksums"):
        data.prepare(data.SIGNS)
    assert not settings.grader_data_dir().exists(), "nothing is laid out from a damaged copy"


def test_missing_photo_and_missing_dataset(mirror, private_data, monkeypatch):
    copy = _copy_mirror(mirror, private_data)
    (copy / "datasets" / "sign_language_digits" / next(iter(data.SIGNS.manifest()))).unlink()
    monkeypatch.setenv("CASE_STUDIES_MIRROR", str(copy))
    with pytest.raises(data.DataError, match="missing"):
        data.prepare(data.SIGNS)
    with pytest.raises(data.DataError, match="no datasets/flower_photos.*unset it to download"):
        data.prepare(data.FLOWERS)


@pytest.fixture
def archive_server(mirror, tmp_path):
    """A local web server holding the signs as GitHub's archive of the upstream repository does."""
    site = tmp_path / "site"
    site.mkdir()
    with zipfile.ZipFile(site / "master.zip", "w") as packed:
        for path in (mirror / "datasets" / "sign_language_digits").rglob("*"):
            if path.is_file():
                rel = path.relative_to(mirror / "datasets" / "sign_language_digits")
                packed.write(path, f"Sign-Language-Digits-Dataset-master/Dataset/{rel}")
        packed.writestr("Sign-Language-Digits-Dataset-master/Dataset/0/EXTRA.JPG", b"not in the manifest")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_download_when_no_mirror_is_set(archive_server, private_data, monkeypatch):
    monkeypatch.delenv("CASE_STUDIES_MIRROR", raising=False)
    signs = dataclasses.replace(data.SIGNS, url=f"{archive_server}/master.zip")
    counts = data.prepare(signs)
    assert sum(counts.values()) == 1852
    assert not list(settings.student_data_dir().rglob("EXTRA.JPG")), "only manifest photos are used"


def test_failed_download_says_what_to_set(private_data, monkeypatch):
    monkeypatch.delenv("CASE_STUDIES_MIRROR", raising=False)
    signs = dataclasses.replace(data.SIGNS, url="http://127.0.0.1:9/nothing.zip")
    with pytest.raises(data.DataError, match="Set CASE_STUDIES_MIRROR"):
        data.prepare(signs)
