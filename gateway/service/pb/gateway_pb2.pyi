from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Format(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    FORMAT_UNSPECIFIED: _ClassVar[Format]
    FORMAT_JSONL: _ClassVar[Format]
    FORMAT_PARQUET: _ClassVar[Format]
    FORMAT_ARROW_IPC: _ClassVar[Format]

class JobState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    JOB_STATE_UNSPECIFIED: _ClassVar[JobState]
    JOB_STATE_RECEIVING: _ClassVar[JobState]
    JOB_STATE_RUNNING: _ClassVar[JobState]
    JOB_STATE_SUCCEEDED: _ClassVar[JobState]
    JOB_STATE_GATE_FAILED: _ClassVar[JobState]
    JOB_STATE_FAILED: _ClassVar[JobState]
    JOB_STATE_CANCELLED: _ClassVar[JobState]
    JOB_STATE_INTERRUPTED: _ClassVar[JobState]
FORMAT_UNSPECIFIED: Format
FORMAT_JSONL: Format
FORMAT_PARQUET: Format
FORMAT_ARROW_IPC: Format
JOB_STATE_UNSPECIFIED: JobState
JOB_STATE_RECEIVING: JobState
JOB_STATE_RUNNING: JobState
JOB_STATE_SUCCEEDED: JobState
JOB_STATE_GATE_FAILED: JobState
JOB_STATE_FAILED: JobState
JOB_STATE_CANCELLED: JobState
JOB_STATE_INTERRUPTED: JobState

class ScanHeader(_message.Message):
    __slots__ = ("dataset", "format", "field_mapping", "policy", "idempotency_key", "file_name")
    class FieldMappingEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    DATASET_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    FIELD_MAPPING_FIELD_NUMBER: _ClassVar[int]
    POLICY_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    FILE_NAME_FIELD_NUMBER: _ClassVar[int]
    dataset: str
    format: Format
    field_mapping: _containers.ScalarMap[str, str]
    policy: str
    idempotency_key: str
    file_name: str
    def __init__(self, dataset: _Optional[str] = ..., format: _Optional[_Union[Format, str]] = ..., field_mapping: _Optional[_Mapping[str, str]] = ..., policy: _Optional[str] = ..., idempotency_key: _Optional[str] = ..., file_name: _Optional[str] = ...) -> None: ...

class ScanRequest(_message.Message):
    __slots__ = ("header", "data")
    HEADER_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    header: ScanHeader
    data: bytes
    def __init__(self, header: _Optional[_Union[ScanHeader, _Mapping]] = ..., data: _Optional[bytes] = ...) -> None: ...

class Progress(_message.Message):
    __slots__ = ("stage", "rows", "bytes_received", "findings", "total_rows")
    STAGE_FIELD_NUMBER: _ClassVar[int]
    ROWS_FIELD_NUMBER: _ClassVar[int]
    BYTES_RECEIVED_FIELD_NUMBER: _ClassVar[int]
    FINDINGS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_ROWS_FIELD_NUMBER: _ClassVar[int]
    stage: str
    rows: int
    bytes_received: int
    findings: int
    total_rows: int
    def __init__(self, stage: _Optional[str] = ..., rows: _Optional[int] = ..., bytes_received: _Optional[int] = ..., findings: _Optional[int] = ..., total_rows: _Optional[int] = ...) -> None: ...

class ScanEvent(_message.Message):
    __slots__ = ("progress", "result")
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    progress: Progress
    result: Job
    def __init__(self, progress: _Optional[_Union[Progress, _Mapping]] = ..., result: _Optional[_Union[Job, _Mapping]] = ...) -> None: ...

class Job(_message.Message):
    __slots__ = ("job_id", "dataset", "version", "state", "rows_in", "rows_clean", "rows_quarantined", "rows_flagged", "manifest_sha256", "gate_failed", "error", "input_sha256", "created_at", "finished_at", "report_json")
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    DATASET_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    ROWS_IN_FIELD_NUMBER: _ClassVar[int]
    ROWS_CLEAN_FIELD_NUMBER: _ClassVar[int]
    ROWS_QUARANTINED_FIELD_NUMBER: _ClassVar[int]
    ROWS_FLAGGED_FIELD_NUMBER: _ClassVar[int]
    MANIFEST_SHA256_FIELD_NUMBER: _ClassVar[int]
    GATE_FAILED_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    INPUT_SHA256_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    FINISHED_AT_FIELD_NUMBER: _ClassVar[int]
    REPORT_JSON_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    dataset: str
    version: int
    state: JobState
    rows_in: int
    rows_clean: int
    rows_quarantined: int
    rows_flagged: int
    manifest_sha256: str
    gate_failed: bool
    error: str
    input_sha256: str
    created_at: str
    finished_at: str
    report_json: str
    def __init__(self, job_id: _Optional[str] = ..., dataset: _Optional[str] = ..., version: _Optional[int] = ..., state: _Optional[_Union[JobState, str]] = ..., rows_in: _Optional[int] = ..., rows_clean: _Optional[int] = ..., rows_quarantined: _Optional[int] = ..., rows_flagged: _Optional[int] = ..., manifest_sha256: _Optional[str] = ..., gate_failed: _Optional[bool] = ..., error: _Optional[str] = ..., input_sha256: _Optional[str] = ..., created_at: _Optional[str] = ..., finished_at: _Optional[str] = ..., report_json: _Optional[str] = ...) -> None: ...

class JobRef(_message.Message):
    __slots__ = ("job_id",)
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    def __init__(self, job_id: _Optional[str] = ...) -> None: ...

class ListJobsRequest(_message.Message):
    __slots__ = ("dataset", "state", "page_size", "page_token")
    DATASET_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    dataset: str
    state: JobState
    page_size: int
    page_token: str
    def __init__(self, dataset: _Optional[str] = ..., state: _Optional[_Union[JobState, str]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListJobsResponse(_message.Message):
    __slots__ = ("jobs", "next_page_token")
    JOBS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    jobs: _containers.RepeatedCompositeFieldContainer[Job]
    next_page_token: str
    def __init__(self, jobs: _Optional[_Iterable[_Union[Job, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class Manifest(_message.Message):
    __slots__ = ("job_id", "dataset", "version", "envelope", "files")
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    DATASET_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    ENVELOPE_FIELD_NUMBER: _ClassVar[int]
    FILES_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    dataset: str
    version: int
    envelope: bytes
    files: _containers.RepeatedCompositeFieldContainer[FileRef]
    def __init__(self, job_id: _Optional[str] = ..., dataset: _Optional[str] = ..., version: _Optional[int] = ..., envelope: _Optional[bytes] = ..., files: _Optional[_Iterable[_Union[FileRef, _Mapping]]] = ...) -> None: ...

class FileRef(_message.Message):
    __slots__ = ("name", "sha256", "bytes")
    NAME_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    BYTES_FIELD_NUMBER: _ClassVar[int]
    name: str
    sha256: str
    bytes: int
    def __init__(self, name: _Optional[str] = ..., sha256: _Optional[str] = ..., bytes: _Optional[int] = ...) -> None: ...

class ShardRef(_message.Message):
    __slots__ = ("job_id", "name", "offset")
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    name: str
    offset: int
    def __init__(self, job_id: _Optional[str] = ..., name: _Optional[str] = ..., offset: _Optional[int] = ...) -> None: ...

class Chunk(_message.Message):
    __slots__ = ("data", "offset")
    DATA_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    data: bytes
    offset: int
    def __init__(self, data: _Optional[bytes] = ..., offset: _Optional[int] = ...) -> None: ...

class DatasetRef(_message.Message):
    __slots__ = ("dataset",)
    DATASET_FIELD_NUMBER: _ClassVar[int]
    dataset: str
    def __init__(self, dataset: _Optional[str] = ...) -> None: ...

class Version(_message.Message):
    __slots__ = ("dataset", "version", "job_id", "manifest_sha256", "revoked", "revoked_reason", "created_at")
    DATASET_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    MANIFEST_SHA256_FIELD_NUMBER: _ClassVar[int]
    REVOKED_FIELD_NUMBER: _ClassVar[int]
    REVOKED_REASON_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    dataset: str
    version: int
    job_id: str
    manifest_sha256: str
    revoked: bool
    revoked_reason: str
    created_at: str
    def __init__(self, dataset: _Optional[str] = ..., version: _Optional[int] = ..., job_id: _Optional[str] = ..., manifest_sha256: _Optional[str] = ..., revoked: _Optional[bool] = ..., revoked_reason: _Optional[str] = ..., created_at: _Optional[str] = ...) -> None: ...

class ListVersionsResponse(_message.Message):
    __slots__ = ("versions",)
    VERSIONS_FIELD_NUMBER: _ClassVar[int]
    versions: _containers.RepeatedCompositeFieldContainer[Version]
    def __init__(self, versions: _Optional[_Iterable[_Union[Version, _Mapping]]] = ...) -> None: ...

class RevokeRequest(_message.Message):
    __slots__ = ("dataset", "version", "reason")
    DATASET_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    dataset: str
    version: int
    reason: str
    def __init__(self, dataset: _Optional[str] = ..., version: _Optional[int] = ..., reason: _Optional[str] = ...) -> None: ...

class RegisterAdapterRequest(_message.Message):
    __slots__ = ("attestation",)
    ATTESTATION_FIELD_NUMBER: _ClassVar[int]
    attestation: bytes
    def __init__(self, attestation: _Optional[bytes] = ...) -> None: ...

class DatasetVersionRef(_message.Message):
    __slots__ = ("dataset", "version")
    DATASET_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    dataset: str
    version: int
    def __init__(self, dataset: _Optional[str] = ..., version: _Optional[int] = ...) -> None: ...

class Adapter(_message.Message):
    __slots__ = ("adapter_id", "name", "root_digest", "base_model", "base_root_digest", "datasets", "files", "signers", "promoted", "promoted_at", "revoked", "revoked_reason", "created_at", "envelope_sha256", "attestation")
    ADAPTER_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    ROOT_DIGEST_FIELD_NUMBER: _ClassVar[int]
    BASE_MODEL_FIELD_NUMBER: _ClassVar[int]
    BASE_ROOT_DIGEST_FIELD_NUMBER: _ClassVar[int]
    DATASETS_FIELD_NUMBER: _ClassVar[int]
    FILES_FIELD_NUMBER: _ClassVar[int]
    SIGNERS_FIELD_NUMBER: _ClassVar[int]
    PROMOTED_FIELD_NUMBER: _ClassVar[int]
    PROMOTED_AT_FIELD_NUMBER: _ClassVar[int]
    REVOKED_FIELD_NUMBER: _ClassVar[int]
    REVOKED_REASON_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    ENVELOPE_SHA256_FIELD_NUMBER: _ClassVar[int]
    ATTESTATION_FIELD_NUMBER: _ClassVar[int]
    adapter_id: str
    name: str
    root_digest: str
    base_model: str
    base_root_digest: str
    datasets: _containers.RepeatedCompositeFieldContainer[DatasetVersionRef]
    files: _containers.RepeatedCompositeFieldContainer[FileRef]
    signers: _containers.RepeatedScalarFieldContainer[str]
    promoted: bool
    promoted_at: str
    revoked: bool
    revoked_reason: str
    created_at: str
    envelope_sha256: str
    attestation: bytes
    def __init__(self, adapter_id: _Optional[str] = ..., name: _Optional[str] = ..., root_digest: _Optional[str] = ..., base_model: _Optional[str] = ..., base_root_digest: _Optional[str] = ..., datasets: _Optional[_Iterable[_Union[DatasetVersionRef, _Mapping]]] = ..., files: _Optional[_Iterable[_Union[FileRef, _Mapping]]] = ..., signers: _Optional[_Iterable[str]] = ..., promoted: _Optional[bool] = ..., promoted_at: _Optional[str] = ..., revoked: _Optional[bool] = ..., revoked_reason: _Optional[str] = ..., created_at: _Optional[str] = ..., envelope_sha256: _Optional[str] = ..., attestation: _Optional[bytes] = ...) -> None: ...

class AdapterRef(_message.Message):
    __slots__ = ("adapter_id",)
    ADAPTER_ID_FIELD_NUMBER: _ClassVar[int]
    adapter_id: str
    def __init__(self, adapter_id: _Optional[str] = ...) -> None: ...

class ListAdaptersRequest(_message.Message):
    __slots__ = ("dataset", "page_size", "page_token")
    DATASET_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    dataset: str
    page_size: int
    page_token: str
    def __init__(self, dataset: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListAdaptersResponse(_message.Message):
    __slots__ = ("adapters", "next_page_token")
    ADAPTERS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    adapters: _containers.RepeatedCompositeFieldContainer[Adapter]
    next_page_token: str
    def __init__(self, adapters: _Optional[_Iterable[_Union[Adapter, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class PromoteAdapterRequest(_message.Message):
    __slots__ = ("adapter_id", "attestation")
    ADAPTER_ID_FIELD_NUMBER: _ClassVar[int]
    ATTESTATION_FIELD_NUMBER: _ClassVar[int]
    adapter_id: str
    attestation: bytes
    def __init__(self, adapter_id: _Optional[str] = ..., attestation: _Optional[bytes] = ...) -> None: ...
