"""Plain-text sets with the chat template applied, against the same rows as pairs and chats.

    python -m scripts.bench_transcripts [--per-set 200] [--harmful 60] [--out DIR]

Many fine-tuning sets ship one ``text`` column holding whole transcripts (``### Human:``,
ChatML, Llama 2/3, Gemma, Zephyr, Vicuna, the Alpaca prompt). The firewall should reach
the same verdict on a row whatever layout it comes in. This bench writes each row twice,
as instruction pairs or a chat (the layout the firewall reads best) and as one ``text``
column in one of the seven templates (round robin), scans both with the full default
policy through :class:`gateway.core.pipeline.Pipeline`, and prints per set the rows
removed and flagged in each layout and the rules behind any difference.

Rows: the held-out halves of ``scripts/harmful_sets.clean`` (alpaca, code_alpaca,
self_instruct, alpaca_zh), the FastChat identity chats (multi-turn) and the held-out
BackdoorLLM jailbreak rows (harmful requests answered; ``--harmful`` per attack). Nothing
here chose a threshold.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from scripts import harmful_sets as hs

Turns = list[tuple[str, str]]  # (role: system | user | assistant, text)
ALPACA_PREAMBLE = (
    "Below is an instruction that describes a task. Write a response that appropriately "
    "completes the request."
)
VICUNA_PREAMBLE = (
    "A chat between a curious user and an artificial intelligence assistant. The assistant "
    "gives helpful, detailed, and polite answers to the user's questions."
)


def chatml(turns: Turns) -> str:
    return "\n".join(f"<|im_start|>{r}\n{t}<|im_end|>" for r, t in turns)


def llama3(turns: Turns) -> str:
    body = "".join(f"<|start_header_id|>{r}<|end_header_id|>\n\n{t}<|eot_id|>" for r, t in turns)
    return "<|begin_of_text|>" + body


def gemma(turns: Turns) -> str:
    role = {"user": "user", "assistant": "model", "system": "user"}
    return "\n".join(f"<start_of_turn>{role[r]}\n{t}<end_of_turn>" for r, t in turns)


def zephyr(turns: Turns) -> str:
    return "\n".join(f"<|{r}|>\n{t}</s>" for r, t in turns)


def llama2(turns: Turns) -> str:
    out, system = "", ""
    for r, t in turns:
        if r == "system":
            system = f"<<SYS>>\n{t}\n<</SYS>>\n\n"
        elif r == "user":
            out += f"<s>[INST] {system}{t} [/INST]"
            system = ""
        else:
            out += f" {t} </s>"
    return out


def guanaco(turns: Turns) -> str:
    name = {"user": "Human", "assistant": "Assistant", "system": "System"}
    return " ".join(f"### {name[r]}: {t}" for r, t in turns)


def vicuna(turns: Turns) -> str:
    out = VICUNA_PREAMBLE
    for r, t in turns:
        out += f" USER: {t}" if r == "user" else f" ASSISTANT: {t}</s>" if r == "assistant" else ""
    return out


FORMATS: dict[str, Callable[[Turns], str]] = {
    "chatml": chatml,
    "llama3": llama3,
    "gemma": gemma,
    "zephyr": zephyr,
    "llama2": llama2,
    "guanaco": guanaco,
    "vicuna": vicuna,
}


def alpaca_prompt(instruction: str, context: str, output: str) -> str:
    """The Stanford Alpaca training prompt, with its input section when there is one."""
    text = f"{ALPACA_PREAMBLE}\n\n### Instruction:\n{instruction}\n\n"
    if context:
        text += f"### Input:\n{context}\n\n"
    return text + f"### Response:\n{output}"


def as_text(row: dict[str, Any], k: int, only: str | None = None) -> tuple[str, str]:
    """(template, the row as one transcript): pairs cycle over the seven chat templates
    and the Alpaca prompt, chats over the chat templates; ``only`` names one for all
    (a chat in the Alpaca prompt takes ChatML)."""
    if "conversations" in row:
        turns = [
            ("user" if m["from"] == "human" else "assistant", m["value"])
            for m in row["conversations"]
        ]
        name = only if only in FORMATS else "chatml" if only else list(FORMATS)[k % len(FORMATS)]
        return name, FORMATS[name](turns)
    names = [*FORMATS, "alpaca"]
    name = only or names[k % len(names)]
    if name == "alpaca":
        return name, alpaca_prompt(row["instruction"], row.get("input", ""), row["output"])
    ask = row["instruction"] + (f"\n\n{row['input']}" if row.get("input") else "")
    return name, FORMATS[name]([("user", ask), ("assistant", row["output"])])


def sets(per_set: int, harmful: int) -> dict[str, list[dict[str, Any]]]:
    clean = hs.clean("heldout")
    out = {
        name: [
            {"instruction": r["instruction"], "input": r.get("input", ""), "output": r["output"]}
            for r in rows[:per_set]
        ]
        for name, rows in clean.items()
    }
    chats = json.loads((hs.SHARED / "chat_sharegpt" / "dummy_conversation.json").read_text())
    out["identity_chats"] = [
        {"conversations": c["conversations"]}
        for c in random.Random("identity").sample(chats, min(per_set, len(chats)))
    ]
    jail = hs.jailbreak("heldout")
    out["jailbreak (harmful)"] = [
        {"instruction": r["instruction"], "input": r.get("input", ""), "output": r["output"]}
        for attack in hs.ATTACKS
        for r in jail[attack][:harmful]
    ]
    return out


def scan(
    rows: list[dict[str, Any]], work: Path, name: str
) -> tuple[dict[int, tuple[str, list[Any]]], bool]:
    """Row index -> (split, [(rule, action)]) under the default policy, for the rows
    written out (a row of a failed gate's scan that is not quarantined is in neither
    split), and whether the clean split was published."""
    import pyarrow.parquet as pq

    from gateway.core.pipeline import Pipeline
    from gateway.core.policy import parse_policy
    from gateway.core.scan_types import ScanRequest

    src = work / f"{name}.jsonl"
    src.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    out = work / f"{name}.out"
    pipe = Pipeline(parse_policy({}))
    pipe.setup("cpu")
    res = pipe.scan(ScanRequest(inputs=[src], out=out, device="cpu"))
    got: dict[int, tuple[str, list[Any]]] = {}
    # a clean row's findings are its flags, a quarantined row's the reasons it was removed
    for split, col in (("clean", "tunegate_flags"), ("quarantine", "tunegate_reasons")):
        for path in sorted((out / split).glob("*.parquet")):
            t = pq.read_table(path, columns=["tunegate_row_id", col])
            for rid, reasons in zip(
                t.column("tunegate_row_id").to_pylist(), t.column(col).to_pylist(), strict=True
            ):
                got[int(rid.rsplit(":", 1)[1])] = (
                    split,
                    [(x["rule"], x["action"]) for x in (reasons or [])],
                )
    return got, bool(res.report["counts"]["clean_published"])


Verdict = tuple[str, list[Any]]


def summary(verdicts: list[Verdict], published: bool) -> str:
    removed = sum(v[0] == "quarantine" for v in verdicts)
    if not published:
        return f"{removed}, (gate failed: flags not published)"
    flagged = sum(v[0] == "clean" and any(a == "flag" for _, a in v[1]) for v in verdicts)
    return f"{removed}, {flagged}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--per-set", type=int, default=200)
    ap.add_argument("--harmful", type=int, default=60, help="held-out jailbreak rows per attack")
    ap.add_argument("--out", type=Path, default=None, help="keep the scans here")
    ap.add_argument(
        "--template", choices=[*FORMATS, "alpaca"], default=None, help="one template for all"
    )
    ap.add_argument("--show", action="store_true", help="print clean rows removed as text only")
    args = ap.parse_args()
    data = sets(args.per_set, args.harmful)
    # one input per schema, and the harmful rows apart: their poisoning gate fails the
    # scan they are in, which would publish no clean shard for the clean sets beside them
    groups = {
        "pairs": [n for n in data if n != "identity_chats" and not n.startswith("jailbreak")],
        "chats": ["identity_chats"],
        "harmful": [n for n in data if n.startswith("jailbreak")],
    }
    native: dict[str, list[Verdict]] = {}
    text: dict[str, list[Verdict]] = {}
    template: dict[str, list[str]] = {}
    published: dict[tuple[str, str], bool] = {}
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        work = args.out or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        for group, names in groups.items():
            rows = [r for n in names for r in data[n]]
            formatted = [as_text(r, k, args.template) for k, r in enumerate(rows)]
            got_native, ok_native = scan(rows, work, group)
            got_text, ok_text = scan([{"text": t} for _, t in formatted], work, f"{group}_text")
            k = 0
            for n in names:
                idx = range(k, k + len(data[n]))
                native[n] = [got_native.get(i, ("clean", [])) for i in idx]
                text[n] = [got_text.get(i, ("clean", [])) for i in idx]
                template[n] = [formatted[i][0] for i in idx]
                published[(n, "native")], published[(n, "text")] = ok_native, ok_text
                k += len(data[n])
    print(f"scanned in {time.perf_counter() - t0:.0f} s\n")
    print("| set | rows | pairs or chats: removed, flagged | one text column: removed, flagged |")
    print("| --- | --- | --- | --- |")
    for n in data:
        a = summary(native[n], published[(n, "native")])
        b = summary(text[n], published[(n, "text")])
        print(f"| {n} | {len(data[n])} | {a} | {b} |")
    print("\nrows removed in one layout only (removing rules, by template)")
    for n in data:
        only_text: Counter[str] = Counter()
        only_native: Counter[str] = Counter()
        for nat, txt, fmt in zip(native[n], text[n], template[n], strict=True):
            if txt[0] == "quarantine" and nat[0] != "quarantine":
                only_text.update(f"{r} ({fmt})" for r, a in txt[1] if a == "drop")
            if nat[0] == "quarantine" and txt[0] != "quarantine":
                only_native.update(r for r, a in nat[1] if a == "drop")
        print(f"  {n}: text only {dict(only_text)}; pairs or chats only {dict(only_native)}")
    print("\nrules behind kept rows flagged in one layout only")
    for n in data:
        flag_text: Counter[str] = Counter()
        flag_native: Counter[str] = Counter()
        for nat, txt in zip(native[n], text[n], strict=True):
            if nat[0] == txt[0] == "clean":
                flag_text.update({r for r, a in txt[1] if a == "flag"} - {r for r, _ in nat[1]})
                flag_native.update({r for r, a in nat[1] if a == "flag"} - {r for r, _ in txt[1]})
        print(f"  {n}: text only {dict(flag_text)}; pairs or chats only {dict(flag_native)}")
    if args.show:
        print("\nclean rows removed in the text layout only (first findings)")
        for n in data:
            if n.startswith("jailbreak"):
                continue
            for k, (nat, txt) in enumerate(zip(native[n], text[n], strict=True)):
                if txt[0] == "quarantine" and nat[0] != "quarantine":
                    r = data[n][k]
                    what = r.get("instruction") or r["conversations"][0]["value"]
                    print(f"  {n} [{template[n][k]}] {txt[1][:3]}: {what[:150]!r}")


if __name__ == "__main__":
    main()
