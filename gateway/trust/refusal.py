"""A named refusal: a :class:`VerificationError` that says which check refused.

Adapter checks refuse for many reasons, and a pipeline (or a test) must tell "a pickle"
from "a gap between tensors" without parsing prose. The name is stable and appears in the
message as ``refused [name]``, so a person reading the exit-3 line sees it too.
"""

from __future__ import annotations

from gateway.errors import VerificationError

# the names, with what each means; docs/adapters.md lists the same table
REFUSALS = {
    "symlink": "a file or folder in the adapter is a symlink",
    "pickle": "a file unpickles (by extension or by its first bytes)",
    "unknown-file-type": "a file is of a type the checker does not read",
    "unlisted-file": "a file is in the folder but not in the attestation",
    "missing-file": "a file listed in the attestation is missing",
    "digest-mismatch": "a file's bytes differ from the attested sha256 or size",
    "header-too-large": "a safetensors header is larger than the bound",
    "malformed-safetensors": "a safetensors file cannot be parsed",
    "duplicate-tensor": "a tensor name appears twice in one header",
    "offset-overlap": "two tensors' byte ranges overlap",
    "offset-gap": "bytes between tensors belong to no tensor",
    "offset-past-end": "a tensor runs past the end of the file, or bytes follow the last one",
    "dtype-length": "a tensor's byte length does not match its dtype and shape",
    "unknown-module": "a tensor names no module of the base model",
    "shape-mismatch": "a tensor's shape does not fit its base module and declared rank",
    "non-finite": "a tensor holds NaN or Inf",
    "norm-out-of-range": "a tensor's norm is far outside what its rank and alpha produce",
    "base-model-mismatch": "adapter_config.json names another base model",
    "config-mismatch": "the adapter's config disagrees with the training config or itself",
}


class Refused(VerificationError):
    """An adapter (or model folder) failed the named safety check."""

    def __init__(self, name: str, message: str) -> None:
        assert name in REFUSALS, name
        self.name = name
        super().__init__(f"refused [{name}]: {message}")
