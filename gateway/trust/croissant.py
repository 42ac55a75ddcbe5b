"""``croissant.json``: MLCommons Croissant 1.0 metadata for the clean shard set.

Each clean shard is a FileObject with its sha256; one RecordSet describes the columns,
so catalogues and loaders that speak Croissant understand the output without tunegate.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

CONTEXT: dict[str, Any] = {
    "@language": "en",
    "@vocab": "https://schema.org/",
    "citeAs": "cr:citeAs",
    "column": "cr:column",
    "conformsTo": "dct:conformsTo",
    "cr": "http://mlcommons.org/croissant/",
    "rai": "http://mlcommons.org/croissant/RAI/",
    "data": {"@id": "cr:data", "@type": "@json"},
    "dataType": {"@id": "cr:dataType", "@type": "@vocab"},
    "dct": "http://purl.org/dc/terms/",
    "equivalentProperty": "cr:equivalentProperty",
    "examples": {"@id": "cr:examples", "@type": "@json"},
    "extract": "cr:extract",
    "field": "cr:field",
    "fileProperty": "cr:fileProperty",
    "fileObject": "cr:fileObject",
    "fileSet": "cr:fileSet",
    "format": "cr:format",
    "includes": "cr:includes",
    "isLiveDataset": "cr:isLiveDataset",
    "jsonPath": "cr:jsonPath",
    "key": "cr:key",
    "md5": "cr:md5",
    "parentField": "cr:parentField",
    "path": "cr:path",
    "recordSet": "cr:recordSet",
    "references": "cr:references",
    "regex": "cr:regex",
    "repeated": "cr:repeated",
    "replace": "cr:replace",
    "samplingRate": "cr:samplingRate",
    "sc": "https://schema.org/",
    "separator": "cr:separator",
    "source": "cr:source",
    "subField": "cr:subField",
    "transform": "cr:transform",
}


def _data_type(t: pa.DataType) -> str:
    if pa.types.is_boolean(t):
        return "sc:Boolean"
    if pa.types.is_integer(t):
        return "sc:Integer"
    if pa.types.is_floating(t) or pa.types.is_decimal(t):
        return "sc:Float"
    if pa.types.is_timestamp(t) or pa.types.is_date(t):
        return "sc:Date"
    return "sc:Text"


def _field(
    record_set: str,
    file_set: str,
    f: pa.Field,
    parent: str | None = None,
    column: str | None = None,
) -> dict[str, Any]:
    fid = f"{record_set}/{f.name}" if parent is None else f"{parent}/{f.name}"
    t = f.type
    repeated = pa.types.is_list(t) or pa.types.is_large_list(t)
    inner = t.value_type if repeated else t
    out: dict[str, Any] = {"@type": "cr:Field", "@id": fid, "name": f.name}
    # a nested field is read from its top-level column, then picked out by name
    out["source"] = {"fileSet": {"@id": file_set}, "extract": {"column": column or f.name}}
    if parent is not None:
        out["source"]["transform"] = {"jsonPath": f.name}
    if pa.types.is_struct(inner):
        out["subField"] = [
            _field(record_set, file_set, inner.field(i), fid, column or f.name)
            for i in range(inner.num_fields)
        ]
    else:
        out["dataType"] = _data_type(inner)
    if repeated:
        out["repeated"] = True
    return out


def croissant(
    name: str,
    version: str,
    description: str,
    shards: list[tuple[str, str]],
    schema: pa.Schema,
    published: str,
) -> dict[str, Any]:
    """Croissant metadata for clean ``shards`` (name, sha256) that share ``schema``."""
    files = [
        {
            "@type": "cr:FileObject",
            "@id": shard,
            "name": shard,
            "contentUrl": shard,
            "encodingFormat": "application/x-parquet",
            "sha256": sha,
        }
        for shard, sha in shards
    ]
    file_set = {
        "@type": "cr:FileSet",
        "@id": "clean-shards",
        "name": "clean-shards",
        "encodingFormat": "application/x-parquet",
        "includes": "clean/*.parquet",
    }
    return {
        "@context": CONTEXT,
        "@type": "sc:Dataset",
        "conformsTo": "http://mlcommons.org/croissant/1.0",
        "name": name,
        "description": description,
        "version": version,
        "datePublished": published,
        "url": "https://tunegate.dev/local-dataset",
        "license": "https://spdx.org/licenses/NOASSERTION",
        "distribution": [*files, file_set],
        "recordSet": [
            {
                "@type": "cr:RecordSet",
                "@id": "clean",
                "name": "clean",
                "description": "Rows that passed every tunegate check.",
                "field": [_field("clean", "clean-shards", f) for f in schema],
            }
        ],
    }
