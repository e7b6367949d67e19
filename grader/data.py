"""Prepare the course datasets: verify the photos, split them deterministically, lay out folders.

Students get class-per-folder trees under CASE_STUDIES_DATA; the grader-only split goes to
CASE_STUDIES_GRADER_DATA, a different tree that is never released.  Each photo's split depends
only on a hash of its path, so the mirror and a fresh download give the same splits.
"""

import hashlib
import json
import shutil
import tarfile
import urllib.request
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from grader import settings

MANIFESTS = settings.REPO / "data" / "manifests"


class DataError(RuntimeError):
    """A dataset is missing or damaged; the message says what to set or download."""


@dataclass(frozen=True)
class Dataset:
    name: str  # folder name under the prepared trees
    source: str  # manifest stem and folder name in the mirror's datasets/
    url: str
    archive_root: str  # folder inside the downloaded archive that holds the class folders
    splits: dict = field(default_factory=dict)  # split -> (percent, "students" | "grader")
    check_hash_on_download: bool = True  # False when the public archive holds other encodings
    credits: tuple = ()  # licence or credit files copied next to the student tree

    def manifest(self) -> dict[str, str]:
        lines = (MANIFESTS / f"{self.source}.tsv").read_text().splitlines()
        return dict(line.split("\t") for line in lines if line and not line.startswith("#"))


SIGNS = Dataset(
    name="signs",
    source="sign_language_digits",
    url="https://github.com/ardamavi/Sign-Language-Digits-Dataset/archive/refs/heads/master.zip",
    archive_root="Sign-Language-Digits-Dataset-master/Dataset",
    splits={"train": (70, "students"), "test": (15, "students"), "holdout": (15, "grader")},
    credits=("LICENSE",),
)
FLOWERS = Dataset(
    name="flowers",
    source="flower_photos",
    url="https://storage.googleapis.com/download.tensorflow.org/example_images/flower_photos.tgz",
    archive_root="flower_photos",
    splits={"train": (85, "students"), "holdout": (15, "grader")},
    check_hash_on_download=False,  # the public archive has the photos at their original sizes
    credits=("LICENSE.txt", "ATTRIBUTION.txt"),
)
DATASETS = {d.name: d for d in (SIGNS, FLOWERS)}


def split_of(relative_path: str, splits: dict) -> str:
    bucket = int(hashlib.sha256(relative_path.encode()).hexdigest(), 16) % 100
    upper = 0
    for split, (percent, _) in splits.items():
        upper += percent
        if bucket < upper:
            return split
    raise ValueError(f"split percentages of {splits} do not add up to 100")


def split_dir(dataset: Dataset, split: str) -> Path:
    owner = dataset.splits[split][1]
    root = settings.student_data_dir() if owner == "students" else settings.grader_data_dir()
    return root / dataset.name / split


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _download(dataset: Dataset) -> Path:
    cache = settings.download_cache_dir() / dataset.source
    tree = cache / dataset.archive_root
    if tree.is_dir():
        return tree
    cache.mkdir(parents=True, exist_ok=True)
    archive = cache / Path(dataset.url).name
    try:
        print(f"Downloading {dataset.url} ...")
        urllib.request.urlretrieve(dataset.url, archive)
        opener = zipfile.ZipFile if archive.suffix == ".zip" else tarfile.open
        with opener(archive) as packed:
            packed.extractall(cache)
    except Exception as error:  # network, disk or archive errors all end the same way
        raise DataError(
            f"Could not download the {dataset.source} dataset from {dataset.url} ({error}). "
            "Set CASE_STUDIES_MIRROR to a folder holding datasets/ and keras/models/ "
            "(for example ../shared/mirror) to work offline."
        ) from error
    return tree


def source_tree(dataset: Dataset) -> tuple[Path, bool]:
    """The folder with the class folders, and whether its files must match the manifest hashes."""
    mirror = settings.mirror_dir()
    if mirror is None:
        return _download(dataset), dataset.check_hash_on_download
    tree = mirror / "datasets" / dataset.source
    if not tree.is_dir():
        raise DataError(
            f"CASE_STUDIES_MIRROR={mirror} has no datasets/{dataset.source}/. "
            "Point it at the course mirror (the folder with datasets/ and keras/models/), "
            "or unset it to download the data from its public home."
        )
    return tree, True


def verify(tree: Path, manifest: dict[str, str], check_hash: bool) -> None:
    missing = [rel for rel in manifest if not (tree / rel).is_file()]
    if missing:
        raise DataError(
            f"{len(missing)} of {len(manifest)} photos are missing from {tree} "
            f"(first: {missing[0]}). Restore the dataset or unset CASE_STUDIES_MIRROR to download it."
        )
    if check_hash:
        bad = [rel for rel, digest in manifest.items() if _sha256(tree / rel) != digest]
        if bad:
            raise DataError(
                f"{len(bad)} photos in {tree} do not match their checksums (first: {bad[0]}): "
                "the copy is damaged. Restore it from the mirror or unset CASE_STUDIES_MIRROR to download it."
            )


def _stamp(dataset: Dataset, manifest: dict[str, str]) -> str:
    text = json.dumps([dataset.name, dataset.splits, sorted(manifest.items())])
    return hashlib.sha256(text.encode()).hexdigest()


def is_prepared(dataset: Dataset) -> bool:
    stamp = _stamp(dataset, dataset.manifest())
    return all(_read_stamp(split_dir(dataset, split).parent) == stamp for split in dataset.splits)


def _read_stamp(folder: Path) -> str | None:
    marker = folder / ".prepared"
    return marker.read_text().strip() if marker.is_file() else None


def prepare(dataset: Dataset) -> dict[str, int]:
    """Lay out the splits (idempotent); returns the number of photos per split."""
    manifest = dataset.manifest()
    counts = {split: 0 for split in dataset.splits}
    for rel in manifest:
        counts[split_of(rel, dataset.splits)] += 1
    if is_prepared(dataset):
        return counts
    tree, check_hash = source_tree(dataset)
    verify(tree, manifest, check_hash)
    roots = {split_dir(dataset, split).parent for split in dataset.splits}
    for root in roots:
        shutil.rmtree(root, ignore_errors=True)
    for rel in manifest:
        target = split_dir(dataset, split_of(rel, dataset.splits)) / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(tree / rel, target)
    student_root = split_dir(dataset, next(iter(dataset.splits))).parent
    for name in dataset.credits:
        credit = tree / name if (tree / name).is_file() else tree.parent / name
        if credit.is_file():
            shutil.copyfile(credit, student_root / name)
    stamp = _stamp(dataset, manifest)
    for root in roots:
        (root / ".prepared").write_text(stamp + "\n")
    return counts
