"""Handing a verified adapter to torch and peft: tensors made from the bytes that were hashed.

Nothing here opens a file: :func:`~gateway.trust.adapter.verify_adapter` read each file
once, hashed and checked those bytes, and the tensors are built from the same bytes, so a
file swapped between the check and the load is never what gets loaded.
"""

from __future__ import annotations

from typing import Any

from gateway.errors import UsageError, VerificationError
from gateway.trust.adapter import VerifiedAdapter

_TORCH_DTYPES = {"F32": "float32", "F16": "float16", "BF16": "bfloat16", "F64": "float64"}


def state_dict(va: VerifiedAdapter) -> dict[str, Any]:
    """The adapter's tensors (name -> ``torch.Tensor``), as peft saved them."""
    import torch

    out: dict[str, Any] = {}
    for name, (st, t) in va.checked.tensors().items():
        raw = bytearray(st.data[st.data_start + t.begin : st.data_start + t.end])
        dtype = getattr(torch, _TORCH_DTYPES[t.dtype])
        tensor = torch.frombuffer(raw, dtype=dtype) if raw else torch.empty(0, dtype=dtype)
        out[name] = tensor.reshape(t.shape)
    return out


def load_into(model: Any, tensors: dict[str, Any]) -> Any:
    """Load ``tensors`` into a peft model, refusing any the model does not take."""
    try:
        from peft import set_peft_model_state_dict
    except ImportError as e:
        raise UsageError("loading into a model needs peft: pip install 'tunegate[adapter]'") from e
    result = set_peft_model_state_dict(model, tensors)
    unexpected = list(getattr(result, "unexpected_keys", []) or [])
    if unexpected:
        raise VerificationError(
            f"the model did not take {len(unexpected)} of the adapter's tensors "
            f"({unexpected[:3]}); it is not the architecture the adapter was attested for"
        )
    return model
