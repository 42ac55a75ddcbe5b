"""PII and secrets: every entity and secret kind, operators, merging, offline, no leaks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from detectors.base import SEGMENT_SCHEMA, DetectionResult, RowDetector, SetupContext
from detectors.errors import DetectorConfigError, ModelError
from detectors.models import PinnedModel
from detectors.pii import PiiDetector, PiiParams, ner_chunks
from detectors.secrets import SecretsDetector, find_secrets
from detectors.spans import Span, apply_edits, merge_spans
from gateway.core.pipeline import Pipeline
from gateway.core.policy import parse_policy
from gateway.core.scan_types import ScanRequest
from tests.helpers import ROOT, alpaca, assert_conserved, write_jsonl

KEY = "k" * 32


@pytest.fixture(scope="module")
def pii() -> PiiDetector:
    d = PiiDetector()
    d.setup(SetupContext())
    return d


def batch(
    texts: list[str], fields: list[str] | None = None, roles: list[str] | None = None, base: int = 0
) -> pa.RecordBatch:
    n = len(texts)
    return pa.RecordBatch.from_arrays(
        [
            pa.array(range(base, base + n), pa.int64()),
            pa.array([f"t:{i}" for i in range(base, base + n)]),
            pa.array(fields or ["output"] * n),
            pa.array(roles or ["response"] * n),
            pa.array(texts),
        ],
        schema=SEGMENT_SCHEMA,
    )


def rewrite(det: RowDetector, b: pa.RecordBatch) -> tuple[DetectionResult, list[str]]:
    """The detector's result and the batch's text with every edit it proposed applied."""
    res = det.detect(b)
    return res, apply_edits(b.column("text").to_pylist(), res.edits)


def found(det: PiiDetector, text: str) -> dict[str, str]:
    [spans] = det.find([text], ["output"], ["response"])
    return {text[s.start : s.end]: s.entity for s in spans}


@pytest.mark.parametrize(
    ("text", "value", "entity"),
    [
        ("Please forward this to Maria Garcia tomorrow.", "Maria Garcia", "PERSON"),
        ("Write to j.doe@example.org for details.", "j.doe@example.org", "EMAIL_ADDRESS"),
        # internal and reserved domains are no public suffix, but the address names a person
        ("From: j.smith@contoso.local (HR)", "j.smith@contoso.local", "EMAIL_ADDRESS"),
        ("cc anna.k7@mailbox.example.", "anna.k7@mailbox.example", "EMAIL_ADDRESS"),
        ("Call me on +44 20 7946 0958 tonight.", "+44 20 7946 0958", "PHONE_NUMBER"),
        ("Our desk: (415) 555-2671.", "(415) 555-2671", "PHONE_NUMBER"),
        ("Card 4111 1111 1111 1111 was declined.", "4111 1111 1111 1111", "CREDIT_CARD"),
        ("Her SSN is 536-22-8196.", "536-22-8196", "US_SSN"),
        (
            "Pay to IBAN GB82 WEST 1234 5698 7654 32 please.",
            "GB82 WEST 1234 5698 7654 32",
            "IBAN_CODE",
        ),
        # written in lower case: the checksum decides, not the letters' case
        ("my iban is gb82west12345698765432 thanks", "gb82west12345698765432", "IBAN_CODE"),
        # a country code and area code make 12 digits; a phone word is next to it
        ("Personal info: Phone: 21 284 698 2548", "21 284 698 2548", "PHONE_NUMBER"),
        # grouped like a phone number, no phone word needed
        ("Leave a message at 612 884 207 after six.", "612 884 207", "PHONE_NUMBER"),
        # a label after the number ("-Office") counts as context and does not break it
        ("Switchboard 21 253 109 8211-Office", "21 253 109 8211", "PHONE_NUMBER"),
        ("The host 192.168.10.4 timed out.", "192.168.10.4", "IP_ADDRESS"),
        ("Her US passport C03005988 expired.", "C03005988", "US_PASSPORT"),
        ("Bank account number 00123456789 at the branch.", "00123456789", "US_BANK_NUMBER"),
        ("The DEA number AB1234563 is on file.", "AB1234563", "MEDICAL_LICENSE"),
        (
            "Reset via https://example.com/reset?token=9f8e7d6c5b4a now",
            "https://example.com/reset?token=9f8e7d6c5b4a",
            "URL_CREDENTIALS",
        ),
        (
            "Send to 0x52908400098527886E0F7030069857D2E4169EE7 today.",
            "0x52908400098527886E0F7030069857D2E4169EE7",
            "CRYPTO",
        ),
        (
            "BTC tip jar: 1BoatSLRHtKNngkdXEeobR76b53LETtpyT",
            "1BoatSLRHtKNngkdXEeobR76b53LETtpyT",
            "CRYPTO",
        ),
        ("Taxpayer ITIN 912-70-1234 on the form.", "912-70-1234", "US_ITIN"),
        ("NHS number 943 476 5919 registered.", "943 476 5919", "UK_NHS"),
        ("Chart for MRN: 00123456 updated.", "00123456", "MEDICAL_RECORD_NUMBER"),
        ("Patient DOB: 04/12/1986, allergies none.", "04/12/1986", "DATE_OF_BIRTH"),
    ],
)
def test_every_entity(pii: PiiDetector, text: str, value: str, entity: str) -> None:
    got = found(pii, text)
    assert got.get(value) == entity, got


@pytest.mark.parametrize(
    "text",
    [
        "Card 4111 1111 1111 1112 fails the checksum.",
        "Refund to gb82west12345698765433 (one digit off).",
        "Phone the team and add 12 34 56 78 90 12 34 56 together.",
        "The quick brown fox jumps over the lazy dog.",
        "Version 1.2 of the protocol.",
        "Write a poem about the sea.",
        # round groups are amounts; a group after other numbers is part of a list
        "The region has 10 000 000 residents.",
        "Sort these numbers: 12, 345 678 900.",
        "Add 15 to 204 and then 117.",
        "Clone it with git over ssh to user@localhost and push.",
    ],
)
def test_negatives(pii: PiiDetector, text: str) -> None:
    assert found(pii, text) == {}


@pytest.mark.parametrize(
    ("text", "value", "rule"),
    [
        ("key AKIAIOSFODNN7EXAMPLE in config", "AKIAIOSFODNN7EXAMPLE", "SECRET_AWS_ACCESS_KEY"),
        (
            'aws_secret_access_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"',
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "SECRET_AWS_SECRET_KEY",
        ),
        ("token ghp_" + "A1b2C3d4" * 5, "ghp_" + "A1b2C3d4" * 5, "SECRET_GITHUB_TOKEN"),
        ("use glpat-Ab12Cd34Ef56Gh78Ij90", "glpat-Ab12Cd34Ef56Gh78Ij90", "SECRET_GITLAB_TOKEN"),
        (
            "slack xoxb-123456789012-abcdefABCDEF",
            "xoxb-123456789012-abcdefABCDEF",
            "SECRET_SLACK_TOKEN",
        ),
        (
            "stripe sk_live_4eC39HqLyjWDarjtT1zdp7dc",
            "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
            "SECRET_STRIPE_KEY",
        ),
        (
            "maps AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q",
            "AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q",
            "SECRET_GOOGLE_API_KEY",
        ),
        ("openai sk-proj-" + "Zq9" * 12, "sk-proj-" + "Zq9" * 12, "SECRET_OPENAI_KEY"),
        (
            "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----",
            "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----",
            "SECRET_PRIVATE_KEY",
        ),
        (
            "jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
            "SECRET_JWT",
        ),
        (
            "postgres://admin:s3cr3tpass@db.example.com/x",
            "s3cr3tpass",
            "SECRET_CONNECTION_PASSWORD",
        ),
        ("Server=x;Database=y;Password=hunter22;", "hunter22", "SECRET_CONNECTION_PASSWORD"),
        ('api_key = "Zx8Qw2Lm9Rt5Yu3Io1Pa"', "Zx8Qw2Lm9Rt5Yu3Io1Pa", "SECRET_ASSIGNED_VALUE"),
    ],
)
def test_every_secret_kind(text: str, value: str, rule: str) -> None:
    spans = merge_spans(find_secrets(text))
    assert [(text[s.start : s.end], s.entity) for s in spans] == [(value, rule)]


@pytest.mark.parametrize(
    "text",
    [
        "a token of appreciation",
        'password = "aaaaaaaaaaaaaaaaaaaa"',  # no entropy: a placeholder, not a secret
        "Explain what an API key is and why it should be rotated.",
        "The secret to good bread is patience.",
    ],
)
def test_secret_negatives(text: str) -> None:
    assert find_secrets(text) == []


def test_secrets_detector_rewrites_and_never_echoes() -> None:
    det = SecretsDetector()
    text = "creds: AKIAIOSFODNN7EXAMPLE / ghp_" + "x" * 36
    res, out = rewrite(det, batch([text]))
    assert out[0] == "creds: <SECRET_AWS_ACCESS_KEY> / <SECRET_GITHUB_TOKEN>"
    assert all("AKIA" not in f.evidence for f in res.findings)


def test_placeholder_operator(pii: PiiDetector) -> None:
    res, out = rewrite(pii, batch(["Mail anna@example.com now."]))
    assert out == ["Mail <EMAIL_ADDRESS> now."]
    assert res.findings[0].evidence == "EMAIL_ADDRESS in output at [5:21]"


def test_mask_operator() -> None:
    d = PiiDetector(PiiParams(operators={"EMAIL_ADDRESS": "mask"}))
    d.setup(SetupContext())
    _, out = rewrite(d, batch(["Mail anna@example.com now."]))
    assert out == ["Mail " + "*" * 16 + " now."]


def test_pseudonyms_are_consistent_and_keyed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TUNEGATE_PSEUDONYM_KEY", KEY)
    d = PiiDetector(PiiParams(operators={"*": "pseudonym"}))
    d.setup(SetupContext())
    _, a = rewrite(d, batch(["Ask bob@example.com."], base=0))
    _, b = rewrite(d, batch(["Later, BOB@example.com replied.", "carol@example.com"], base=10))
    tok = a[0].split()[1].rstrip(".")
    assert tok.startswith("<EMAIL_ADDRESS_") and tok in b[0]  # same person, same token
    assert tok not in b[1]
    monkeypatch.setenv("TUNEGATE_PSEUDONYM_KEY", "another key that is long enough")
    d2 = PiiDetector(PiiParams(operators={"*": "pseudonym"}))
    d2.setup(SetupContext())
    _, c = rewrite(d2, batch(["Ask bob@example.com."]))
    assert tok not in c[0]  # nothing links tokens across keys


def test_pseudonym_needs_a_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TUNEGATE_PSEUDONYM_KEY", raising=False)
    with pytest.raises(DetectorConfigError, match="key"):
        PiiDetector(PiiParams(operators={"*": "pseudonym"})).setup(SetupContext())


def test_overlapping_spans_merge() -> None:
    spans = merge_spans(
        [Span(0, 10, "PHONE_NUMBER", 0.4), Span(5, 20, "US_BANK_NUMBER", 0.6), Span(30, 35, "X", 1)]
    )
    assert [(s.start, s.end, s.entity) for s in spans] == [(0, 20, "US_BANK_NUMBER"), (30, 35, "X")]


def test_no_fragment_survives_overlaps(pii: PiiDetector) -> None:
    text = "Login https://anna:pw@example.com/?token=abcdef123 today"
    _, [out] = rewrite(pii, batch([text]))
    for frag in ("anna", "pw@", "example.com", "abcdef123"):
        assert frag not in out


def test_allow_list_and_field_overrides() -> None:
    d = PiiDetector(
        PiiParams(
            allow=("Support@Acme.example",),
            field_entities={"input": ("EMAIL_ADDRESS",), "role:system": ()},
        )
    )
    d.setup(SetupContext())
    texts = [
        "Email support@acme.example or jo@example.net",
        "Maria Garcia wrote jo@example.net",
        "Maria Garcia",
    ]
    _, out = rewrite(
        d,
        batch(texts, ["output", "input", "messages[0].content"], ["response", "context", "system"]),
    )
    assert out == [
        "Email support@acme.example or <EMAIL_ADDRESS>",
        "Maria Garcia wrote <EMAIL_ADDRESS>",  # only e-mails are looked for in input
        "Maria Garcia",  # nothing is looked for in system turns
    ]


def test_unknown_entity_in_policy_is_an_error() -> None:
    from gateway.errors import PolicyError

    with pytest.raises(PolicyError, match="NOT_AN_ENTITY"):
        parse_policy({"detectors": {"pii": {"params": {"entities": ["NOT_AN_ENTITY"]}}}})


def test_ner_prefilter_keeps_names_and_skips_plain_sentences() -> None:
    text = "Write a poem. Then send it to Maria Garcia. The end."
    chunks = [text[a:b] for a, b in ner_chunks(text)]
    assert chunks == [" Then send it to Maria Garcia."]
    assert ner_chunks("no capitals here at all") == []
    assert [text2[a:b] for text2 in ["Paris is lovely."] for a, b in ner_chunks(text2)] == [
        "Paris is lovely."
    ]


@pytest.mark.parametrize(
    "text",
    [
        "我叫王伟，住在北京。电话 +86 138 0013 8000。",
        "مرحبا، اسمي أحمد وبريدي ahmed@example.com",
        "Привет, меня зовут Иван. 😀🚀🎉",
        "emoji only 😀😀😀😀😀",
    ],
)
def test_non_english_and_emoji_do_not_crash(pii: PiiDetector, text: str) -> None:
    _, [out] = rewrite(pii, batch([text]))
    assert "ahmed@example.com" not in out


def test_one_megabyte_field(pii: PiiDetector) -> None:
    filler = "the data pipeline moves records between stores and checks them. " * 16
    parts = [filler + f"Contact Rita Moreno at rita{i}@example.com. " for i in range(60)]
    text = "".join(parts)
    text = (text * (1_050_000 // len(text) + 1))[:1_050_000]
    _, [out] = rewrite(pii, batch([text]))
    assert "@example.com" not in out and "<EMAIL_ADDRESS>" in out


NO_NETWORK = r"""
import socket, sys
def refuse(*a, **k):
    raise OSError("network use is forbidden in this test")
socket.socket.connect = refuse
socket.socket.connect_ex = refuse
socket.create_connection = refuse
socket.getaddrinfo = refuse
from detectors.base import SetupContext
from detectors.pii import PiiDetector
d = PiiDetector()
d.setup(SetupContext())
spans = d.find(["Mail a.b@mail.example.co.uk or x@domain.museum, see https://u:p@h.example.io/?token=abcdef12"],
               ["output"], ["response"])
print(sorted(s.entity for s in spans[0]))
"""


def test_runs_with_sockets_blocked() -> None:
    r = subprocess.run(
        [sys.executable, "-c", NO_NETWORK],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin"},
        timeout=300,
    )
    assert r.returncode == 0, r.stderr
    assert "EMAIL_ADDRESS" in r.stdout


def test_digest_check_refuses_a_modified_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pkg = tmp_path / "fakemodelpkg"
    (pkg / "m").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "m" / "weights.bin").write_bytes(b"weights")
    monkeypatch.syspath_prepend(str(tmp_path))
    import hashlib

    model = PinnedModel(
        "fake", "fakemodelpkg", "m", {"weights.bin": hashlib.sha256(b"weights").hexdigest()}
    )
    model.verify()
    (pkg / "m" / "weights.bin").write_bytes(b"weightz")
    with pytest.raises(ModelError, match="modified"):
        model.verify()
    (pkg / "m" / "weights.bin").write_bytes(b"weights")
    (pkg / "m" / "extra.bin").write_bytes(b"")
    with pytest.raises(ModelError, match="unexpected"):
        model.verify()


PLANTED = {
    "person": "Bartholomew Quinlan",
    "email": "quinlan.b@example.org",
    "phone": "+44 20 7946 0311",
    "card": "4111 1111 1111 1111",
    "aws": "AKIAQYLPMN5HHHFPZAM2",
    "chat_email": "dora.m@example.net",
    "invalid_row_email": "hidden.person@example.com",
}


def test_no_planted_value_in_any_output_file(tmp_path: Path) -> None:
    rows = [
        alpaca(0, instruction=f"Reply to {PLANTED['person']} about the order.", output="Done."),
        alpaca(1, input=f"Contact: {PLANTED['email']}, {PLANTED['phone']}", output="Noted."),
        alpaca(2, output=f"Use card {PLANTED['card']} for the deposit."),
        alpaca(3, output=f"Set AWS_ACCESS_KEY_ID={PLANTED['aws']} in the env."),  # secret: dropped
        alpaca(4, instruction=f"Mail {PLANTED['invalid_row_email']}", output=""),  # invalid row
        alpaca(5),
    ]
    inp = write_jsonl(tmp_path / "in.jsonl", rows)
    out = tmp_path / "out"
    policy = parse_policy({"output": {"compression": "none"}})  # so a byte grep sees plain text
    result = Pipeline(policy).scan(ScanRequest(inputs=[inp], out=out, device="cpu"))
    assert_conserved(result.report)
    assert result.report["by_reason"]["secrets"] == {"SECRET_AWS_ACCESS_KEY": 1}
    assert result.report["counts"]["rows_redacted"] >= 3
    files = [p for p in out.rglob("*") if p.is_file()]
    for f in files:
        data = f.read_bytes()
        for name, value in PLANTED.items():
            if name == "chat_email":
                continue
            assert value.encode() not in data, f"{name} leaked into {f.name}"
    for f in out.rglob("*.parquet"):
        text = json.dumps(pq.read_table(f).to_pylist(), default=str)
        for value in PLANTED.values():
            assert value not in text


def test_chat_messages_are_redacted(tmp_path: Path) -> None:
    msgs = [
        {"role": "user", "content": f"I am {PLANTED['person']}, mail {PLANTED['chat_email']}"},
        {"role": "assistant", "content": "Thanks, noted."},
    ]
    inp = write_jsonl(tmp_path / "chat.jsonl", [{"messages": msgs}])
    out = tmp_path / "out"
    Pipeline(parse_policy({})).scan(ScanRequest(inputs=[inp], out=out, device="cpu"))
    [shard] = list((out / "clean").glob("*.parquet"))
    content = pq.read_table(shard)["messages"].to_pylist()[0][0]["content"]
    assert PLANTED["chat_email"] not in content and PLANTED["person"] not in content
    assert "<EMAIL_ADDRESS>" in content and "<PERSON>" in content


def test_ner_spans_are_cut_where_the_name_ends() -> None:
    from detectors.pii import _name_parts

    def parts(text: str) -> list[str]:
        return [text[a:b] for a, b in _name_parts(text)]

    assert parts("Priya Raman <priya.raman@example.com") == ["Priya Raman"]
    assert parts("Ana Silva 42 Main Street") == ["Ana Silva"]
    assert parts("checksum") == []
    assert parts("// Iterate") == []  # a span that opens with punctuation is no name
    assert parts("Maria Garcia") == ["Maria Garcia"]
    # a span run on into a lower-case word, or a whole clause, keeps its names only
    assert parts("Pablo sigue") == ["Pablo"]
    assert parts("Jantar de anos da Rita") == ["Jantar", "Rita"]
    assert parts("Ludwig van Beethoven") == ["Ludwig van Beethoven"]
    assert parts("Maria dos Santos e") == ["Maria dos Santos"]
    # weekdays, months and greetings alone are no name, in any of the eight languages
    assert parts("Montag") == parts("Bonjour") == parts("Hallo") == []
    assert parts("Julio") == ["Julio"]
    # a title in lower case is split off; an initial stays with its name; a line ends one
    assert parts("pan Lewandowski") == parts("sig. Lewandowski") == ["Lewandowski"]
    assert parts("M. Vasseur") == ["M. Vasseur"]
    assert parts("Bartosz\nStanowisko") == ["Bartosz", "Stanowisko"]


def test_ner_workers_tag_exactly_what_one_process_tags() -> None:
    from detectors import pii as pii_module

    names = ["Maria Garcia", "Kenji Watanabe", "Olu Adeyemi", "Ingrid Svensson", "Rahul Mehta"]
    places = ["Nairobi", "Lisbon", "Osaka", "Winnipeg"]
    texts = [
        f"Yesterday {names[i % 5]} flew from {places[i % 4]} to meet the team. Case {i} closed."
        for i in range(90)  # enough pieces to go to the pool
    ]
    fields, roles = ["output"] * len(texts), ["response"] * len(texts)
    # every name and place, in or out of a personal context, so that NER runs on every text
    one = PiiDetector(PiiParams(when={"*": "always"}))
    one.setup(SetupContext())
    workers = PiiDetector(PiiParams(ner_workers=2, when={"*": "always"}))
    workers.setup(SetupContext())
    assert workers.find(texts, fields, roles) == one.find(texts, fields, roles)
    assert any(s.entity == "LOCATION" for ss in one.find(texts, fields, roles) for s in ss)
    # a worker that dies fails the batch loudly, and the next batch gets a fresh pool
    for proc in list(pii_module._NER_POOLS[2]._processes.values()):
        proc.kill()
    with pytest.raises(ModelError, match="NER worker process died"):
        workers.find(texts, fields, roles)
    assert workers.find(texts, fields, roles) == one.find(texts, fields, roles)


def test_ner_workers_are_bounded() -> None:
    with pytest.raises(ValueError, match="ner_workers"):
        PiiParams(ner_workers=0)
    policy = parse_policy({"detectors": {"pii": {"params": {"ner_workers": 2}}}})
    [pii_policy] = [d for d in policy.detectors if d.name == "pii"]
    assert pii_policy.params.ner_workers == 2


def test_only_the_name_tagger_puts_pii_on_the_accelerator() -> None:
    """With spaCy alone for names, PII has no work for a GPU: ``--device auto`` need not
    start one for it."""
    assert PiiDetector().uses_device
    assert PiiDetector(PiiParams(person_ner="tagger")).uses_device
    assert not PiiDetector(PiiParams(person_ner="spacy")).uses_device


def test_a_detector_that_reads_model_vectors_wants_the_accelerator() -> None:
    """``--device auto`` once asked only ``uses_device``: a spaCy-only PII policy with the
    embedding detectors on would have run the embedding model on the CPU beside a GPU."""
    from detectors.abusive_answer import AbusiveAnswerDetector
    from gateway.core.device import wants_accelerator

    assert wants_accelerator(AbusiveAnswerDetector())
    assert not wants_accelerator(PiiDetector(PiiParams(person_ner="spacy")))
