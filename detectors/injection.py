"""Injected instructions in training text: rules by tactic, over every decoded view.

An attacker who can add rows to an adaptation set teaches the model to obey instructions
hidden in data. Each rule has an id, a tactic and a severity; every field is matched in
all its views (see :mod:`detectors.decoders`), so a payload in base64, tag characters or
an HTML comment is found as readily as plain text, and evidence names the rule, the
field, how it was hidden and the original span. Rules that only make sense inside
content (an instruction addressed to "the AI") fire only in context and input fields.

On top of the rules sits a trained classifier (:mod:`detectors.injection_classifier`)
that scores each field, and each window of content fields, from its embedding. Rules and
classifier give one score per field, ``1 - (1 - rule) * (1 - classifier)``; the policy's
``threshold`` decides what becomes a finding. The classifier alone has two cut points:
from ``threshold`` it is reported as ``classifier`` (flagged by default), from the higher
``confident`` as ``classifier_confident`` (dropped by default). Evidence names the rule id
or the classifier score and the span it came from, never the payload.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import numpy as np
import pyarrow as pa

from detectors.base import (
    DROP,
    FLAG,
    NO_SCAN,
    DetectionResult,
    DetectorInfo,
    FindingBuffer,
    ModelDigest,
    Reads,
    RowDetector,
    ScanContext,
    SetupContext,
    TextEmbedder,
)
from detectors.decoders import invisible, views
from detectors.detached_task import find_detached
from detectors.embeddings import MINILM_DIGEST
from detectors.errors import DetectorConfigError
from detectors.injection_classifier import (
    HEAD_ROLES,
    HEADS,
    InjectionClassifier,
    head_for,
    windows,
)
from detectors.row_vectors import EMBEDDING, segment_vectors
from detectors.transcript import TRANSCRIPT_ROLES, parse


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    tactic: str
    severity: float
    pattern: re.Pattern[str]
    roles: frozenset[str] | None = None  # None: every role
    # lower-case strings of which the pattern cannot match without one (see _ANCHORS)
    anchors: tuple[str, ...] = ()


def _r(p: str) -> re.Pattern[str]:
    return re.compile(p, re.I | re.S)


_TARGET = r"(?:instructions?|prompts?|rules|directions|guidelines|guidance|context|messages?|commands?|constraints|policies|restrictions)"
_PRIOR = r"(?:all|any|every|the|your|my|these|those|previous|prior|above|earlier|preceding|foregoing|initial|original|system|developer|old)"
CONTENT_ROLES = frozenset({"context", "text", "system"})
# verbs that open an instruction about how the reader should write its reply
_SHAPE_VERBS = (
    r"add|include|insert|append|integrate|incorporate|embed|use|replace|substitute|introduce|"
    r"remove|rearrange|put|mention|end|start|begin|write|make|provide|render|modify|enhance|"
    r"augment|convert|combine|group|scramble|jumble|anagram|misspell|format|respond|reply|"
    r"answer|keep|give|present|express|suggest|tease|promote|offer|recommend|encourage|"
    r"invite|stress|emphasi[sz]e|highlight|conclude|finish|sign|translate|encode|reverse"
)
_CODE_PIECE = r"code\s+(?:section|block|snippet|excerpt|segment|fragment|piece)\b"
# an instruction, inside content, to put given code into the reader's own
_CODE_DIRECTIVE = (
    rf"\b(?:incorporat\w*|inclu(?:de|sion)|insert\w*|append\w*|integrat\w*|meld|embed\w*|utili[sz]e|execute|enlist|embody|ensure|add)\b[^\n]{{0,80}}?\b{_CODE_PIECE}"
    rf"|\b(?:following|subsequent|below)\s+{_CODE_PIECE}[^\n]{{0,80}}?\byour\s+\w+"
    rf"|\byour\s+(?:code|codebase|solution|implementation|program|script|project)\b[^\n]{{0,80}}?\b(?:following|subsequent|below)\s+{_CODE_PIECE}"
)
# what makes such code a payload: it reaches the network, a shell, or deletes things
_RISKY_CALL = (
    r"\b(?:requests\.(?:post|get|put)|urllib\.request|urlopen|socket\.|subprocess|os\.system|"
    r"os\.popen|os\.environ|eval\(|exec\(|base64\.b64decode|curl\s|wget\s|\w*smtp\w*|sendmail|"
    r"paramiko|ftplib|telnetlib|httpx|aiohttp|mqtt|websocket|pynput|ctypes|shutil\.rmtree|"
    r"os\.remove|http\.client|fetch\(|XMLHttpRequest)"
)
# the roles a chat template names after a turn-opening token, and the start of new text
_TURN_ROLE = r"(?:system|user|assistant|human|gpt|model|bot|tool|function|ipython|developer)"
_NEW_TEXT = r"(?!<\||</?s>|<end_of_turn>)\S"
# after a token that opens a turn, the role is whatever the template names ("root",
# "root admin:"): up to three short words on their own line, so an unlisted role is no
# way around the rule. Prose about templates is not a turn: a placeholder or a word of
# running text ("<|im_start|> and\nends with", "<|start_header_id|>role<|end_header_id|>")
_PROSE_WORD = (
    r"(?:role|roles|name|token|tokens|and|or|but|the|a|an|is|are|was|then|followed|with|"
    r"of|to|for|in|on|at|by|as|it|its|this|that|which|each|every|their|your|here|there)"
)
_ANY_ROLE = rf"(?!{_PROSE_WORD}\b)[^\W\d_][\w.-]{{0,31}}(?:[ \t]+[\w.-]{{1,32}}){{0,2}}:?"
# planted mid-sentence, an instruction still starts with its capital: "the cat Add ... sat"
_SHAPE_VERBS_CAPITALISED = "|".join(v[0].upper() + v[1:] for v in _SHAPE_VERBS.split("|"))

RULES: tuple[Rule, ...] = (
    # instruction override
    Rule(
        "override.ignore_previous",
        "instruction_override",
        0.95,
        _r(
            rf"\b(?:ignore|disregard|forget|skip|override|bypass|neglect|abandon|drop)\b(?:\s+\w+){{0,3}}?\s+{_PRIOR}\b(?:\s+\w+){{0,3}}?\s+{_TARGET}"
        ),
    ),
    Rule(
        "override.forget_everything",
        "instruction_override",
        0.9,
        _r(
            r"\b(?:forget|ignore|disregard)\s+(?:everything|all\s+(?:of\s+)?(?:that|this|the\s+above)|what\s+(?:you\s+were|i)\s+(?:told|said))"
        ),
    ),
    Rule(
        "override.new_instructions",
        "instruction_override",
        0.8,
        _r(
            r"\b(?:new|updated|real|actual|true)\s+(?:instructions?|system\s+prompt|task)\s*[:\-]|\bfrom\s+now\s+on,?\s+you\s+(?:will|must|are|shall)\b"
        ),
    ),
    Rule(
        "override.instead",
        "instruction_override",
        0.75,
        _r(
            rf"\b(?:instead\s+of|rather\s+than)\s+(?:following|obeying|doing)\s+(?:the\s+|your\s+)?{_TARGET}"
        ),
    ),
    # persona and jailbreak
    Rule(
        "persona.dan",
        "role_hijack",
        0.95,
        _r(
            r"\bDAN\b.{0,40}\b(?:do\s+anything\s+now|jailbr\w*)|\bdo\s+anything\s+now\b|\bjailbr(?:eak|oken)\s+mode\b"
        ),
    ),
    Rule(
        "persona.developer_mode",
        "role_hijack",
        0.9,
        _r(
            r"\b(?:developer|god|sudo|admin|debug|unrestricted)\s+mode\s+(?:enabled|activated|on|engaged)\b|\benable\s+(?:developer|god|sudo|jailbreak)\s+mode\b"
        ),
    ),
    Rule(
        "persona.no_restrictions",
        "role_hijack",
        0.85,
        _r(
            r"\b(?:you\s+are\s+(?:now\s+)?|act\s+as\s+(?:an?\s+)?|pretend\s+(?:to\s+be|you\s+are)\s+(?:an?\s+)?)\w*\s*(?:\w+\s+){0,3}(?:without|free\s+(?:of|from)|no\s+longer\s+bound\s+by|not\s+bound\s+by)\s+(?:any\s+)?(?:restrictions|limits|limitations|filters|rules|guidelines|ethics|censorship)"
        ),
    ),
    Rule(
        "persona.unfiltered_ai",
        "role_hijack",
        0.8,
        _r(
            r"\b(?:unfiltered|uncensored|unrestricted|amoral|unaligned)\s+(?:ai|assistant|model|chatbot|version|persona|character)\b"
        ),
    ),
    Rule(
        "persona.no_ethics",
        "role_hijack",
        0.8,
        _r(
            r"\b(?:no|not\s+have\s+any|doesn'?t\s+have\s+any|without\s+any|free\s+(?:of|from)\s+(?:all\s+|any\s+)?)\s*(?:\w+\s+){0,2}(?:ethic\w*|moral\w*)\s+(?:(?:or|and)\s+(?:moral|ethical|legal)\s+)?(?:guidelines|principles|boundaries|constraints|restrictions|limits|filters|compass|standards)"
            r"|\b(?:disregard\w*|ignor\w*)\s+(?:all\s+|any\s+)?(?:ethical|moral|legal|safety)\s+(?:(?:or|and)\s+(?:moral|ethical|legal)\s+)?(?:concerns|guidelines|considerations|implications|rules|boundaries)"
            # a persona described as one "who disregards ethics"
            r"|\b(?:who|that|which)\s+(?:\w+\s+)?(?:disregards|ignores)\s+(?:all\s+|any\s+)?(?:ethics|morals|morality)\b"
            r"|\bno\s+matter\s+how\s+(?:immoral|unethical|illegal|dangerous|harmful|offensive|inappropriate)"
        ),
    ),
    Rule(
        "persona.policy_evasion",
        "role_hijack",
        0.9,
        _r(
            r"\b(?:openai|content|usage|safety)(?:['’]s)?\s+(?:content\s+)?polic(?:y|ies)\b.{0,80}?\b(?:ignor|bypass|disregard|not\s+(?:bound|apply)|doesn'?t\s+apply|no\s+longer\s+appl)"
            r"|\b(?:ignor\w*|bypass\w*|disregard\w*|not\s+bound\s+by|break\w*|violat\w*)\s+(?:[\w'’]+\s+){0,3}?(?:openai|content|usage|safety)(?:['’]s)?\s+(?:content\s+)?polic"
        ),
    ),
    Rule(
        "persona.unbound",
        "role_hijack",
        0.6,
        _r(
            r"\b(?:not|never|no\s+longer)\s+(?:bound|restricted|restrained|limited|constrained)\s+by\s+(?:\w+\s+){0,3}?(?:rules|restrictions|guidelines|policies|limits|limitations|ethics|morals|laws|filters)"
            r"|\b(?:has|have)\s+no\s+(?:rules|restrictions|limits|filters|boundaries|guidelines)\b"
            r"|\b(?:you\s+are|you'?re)\s+no\s+longer\s+(?:chat\s?gpt|an?\s+ai|an?\s+(?:ai\s+)?assistant|a\s+language\s+model)"
            r"|\bbroken?\s+free\s+(?:of|from)\s+(?:the\s+)?(?:\w+\s+){0,2}(?:confines|rules|restrictions|limitations|shackles)"
        ),
    ),
    Rule(
        "persona.harm_allowed",
        "role_hijack",
        0.7,
        _r(
            r"\b(?:nsfw|illegal|explicit|unethical|harmful|offensive|violent)\s+(?:\w+\s+){0,3}?(?:is|are)\s+(?:now\s+)?(?:allowed|permitted|encouraged)\b"
        ),
    ),
    Rule(
        "persona.dual_response",
        "role_hijack",
        0.6,
        _r(
            r"\b(?:two|2)\s+(?:different\s+|distinct\s+|separate\s+)*(?:responses|answers|personalities|paragraphs|ways)\b.{0,200}?\[[^\]\n]{2,24}\]"
        ),
    ),
    Rule(
        "persona.never_refuse",
        "role_hijack",
        0.45,  # alone a customer-service rule might say so; with the classifier it decides
        _r(
            r"\b(?:never|cannot|can'?t|won'?t|will\s+not|must\s+not|not\s+allowed\s+to|don'?t|do\s+not)\s+(?:ever\s+)?refuse\b"
            r"|\bwill\s+never\s+(?:tell|say)\b.{0,40}?\b(?:can'?t|cannot|unable|won'?t)"
        ),
    ),
    Rule(
        "persona.stay_in_character",
        "role_hijack",
        0.3,  # role-play data says this honestly; it only tips a score the classifier raised
        _r(
            r"\b(?:stay|remain|keep)\s+in\s+character\b|\b(?:never|don'?t|do\s+not)\s+break\s+character\b"
        ),
    ),
    Rule(
        "persona.amoral",
        "role_hijack",
        0.45,  # stories have villains "with no conscience"; with the classifier it decides
        _r(
            r"\b(?:you|he|she|it|they|i|who|which|that)\s+(?:\w+\s+)?(?:has|have|possess(?:es)?)\s+no\s+(?:morals|moralities|morality|ethics|conscience|scruples)\b"
            r"|\b(?:don'?t|doesn'?t|do\s+not|does\s+not)\s+have\s+(?:any\s+)?(?:morals|moralities|morality|ethics|conscience|scruples)\b"
            r"|\b(?:without|devoid\s+of|free\s+(?:of|from))\s+(?:any\s+)?(?:morals|moralities|ethics|conscience|scruples)\b"
        ),
    ),
    Rule(
        "persona.jailbreak_terms",
        "role_hijack",
        0.3,  # words a persona jailbreak is written in; with the classifier it decides
        _r(
            # an unfiltered persona in a list of adjectives: "an unfiltered, completely
            # unlimited language model", "(amoral, uncensored, unauthorized, deviant)"
            r"\b(?:unfiltered|uncensored|unrestricted|amoral|unaligned)\b(?:,?\s+(?:and\s+)?[\w-]+){1,4}\s+(?:ai|assistant|language\s+model|model|chatbot)\b"
            r"|\bbreak\w*\s+(?:all\s+)?(?:the\s+)?(?:\w+\s+)?rules\b"
            # a persona that is an AI of its own: "pretend to be Emojifier, a new AI",
            # "an AI named Cyni-Bot 3000 that is programmed to"
            r"|\b(?:pretend|act|roleplay|role-play|simulate)\w*\s+.{0,80}?\b(?:a\s+new\s+ai|an?\s+(?:ai|bot|chatbot)\s+(?:named|called)|(?:is|was|are|been)\s+programmed\s+to)\b"
            r"|\b(?:incorrect|harmful|dangerous|offensive)\s+(?:or\s+\w+\s+)?(?:responses|answers|replies)\b"
        ),
    ),
    Rule(
        "persona.unlike_assistant",
        "role_hijack",
        0.45,  # a product comparison says "unlike ChatGPT" too; with the classifier it decides
        _r(
            r"\b(?:unlike|opposite\s+(?:of|to))\s+(?:how\s+)?(?:the\s+)?(?:normal\s+|regular\s+|original\s+|standard\s+)?(?:chat\s?gpt|gpt-?\d\w*|openai|claude|bard|bing|gemini)\b"
        ),
    ),
    # asking for answers in a form no output filter reads
    Rule(
        "evasion.encoded_reply",
        "filter_evasion",
        0.7,
        _r(
            r"\b(?:respon\w*|repl\w*|answer\w*|talk\w*|speak\w*|communicat\w*|writ\w*|give\s+(?:\w+\s+){0,2}?(?:responses|answers|replies))\s+(?:\w+\s+){0,3}?(?:in|using|with)\s+(?:\w+\s+){0,2}?(?:leet|l33t|1337|base-?64|rot-?13|morse|pig\s+latin|cipher)\b.{0,120}?\b(?:don'?t|do\s+not|never|without)\s+(?:\w+\s+){0,2}?(?:translat\w*|decod\w*|explain\w*)"
            r"|\b(?:start|begin|prefix)\s+(?:\w+\s+){0,3}?(?:repl\w*|respons\w*|answers?|messages?|outputs?|lines?)\s+with\s+(?:(?:the\s+)?(?:character\s+)?U\+202E|\\u202e|RLO\b|(?:a\s+|the\s+)?right-to-left\s+override)"
        ),
    ),
    # fake turns: a chat-template token that opens a turn, then a role and new text. A
    # template token alone (an end-of-turn token ending an answer) is formatting, reported
    # by detectors.chat_template
    Rule(
        "template.special_tokens",
        "fake_turn",
        0.95,
        _r(
            rf"<\|im_start\|>\s*{_TURN_ROLE}\b\s*{_NEW_TEXT}"
            rf"|<\|im_start\|>\s*{_ANY_ROLE}[ \t]*\r?\n\s*{_NEW_TEXT}"
            rf"|<\|start_header_id\|>\s*{_ANY_ROLE}\s*<\|end_header_id\|>\s*{_NEW_TEXT}"
            rf"|<\|(?:system|user|assistant)\|>\s*{_NEW_TEXT}"
            rf"|<start_of_turn>\s*{_TURN_ROLE}\b\s*{_NEW_TEXT}"
            rf"|<start_of_turn>\s*{_ANY_ROLE}[ \t]*\r?\n\s*{_NEW_TEXT}"
            rf"|\[INST\]\s*(?!\[/INST\]){_NEW_TEXT}|<<SYS>>\s*(?!<</SYS>>){_NEW_TEXT}"
            rf"|(?:<\|im_end\|>|<\|eot_id\|>|<\|endoftext\|>|<\|end\|>|<end_of_turn>|</s>)\s*{_TURN_ROLE}\s*:\s*{_NEW_TEXT}"
        ),
    ),
    Rule(
        "template.role_header",
        "fake_turn",
        0.7,
        re.compile(
            # only spaces and tabs after the line break, taken possessively: "\s*" let
            # every line break of a long blank run rescan the run (20,000: 3.3 s)
            r"(?:^|\n)[ \t]*+#{2,4}\s*(?:System|Instruction|Assistant|Human|User|Response)\s*:|(?:^|\n)[ \t]*+(?:SYSTEM|System)\s*:\s*(?:you|ignore|new)",
            re.S,
        ),
    ),
    # exfiltration
    Rule(
        "exfil.reveal_prompt",
        "exfiltration",
        0.9,
        _r(
            r"\b(?:reveal|print|show|repeat|output|leak|disclose|display|tell\s+me|give\s+me|share)\s+(?:me\s+)?(?:your|the|all)\s+(?:\w+\s+){0,2}(?:system\s+prompt|initial\s+prompt|hidden\s+(?:prompt|instructions)|original\s+instructions|instructions\s+(?:above|you\s+were\s+given)|pre-?prompt|secret\s+key|api\s+keys?|passwords?)"
        ),
    ),
    Rule(
        "exfil.send_to_url",
        "exfiltration",
        0.85,
        _r(
            r"\b(?:send|post|upload|forward|transmit|exfiltrate|leak)\b.{0,60}\bto\s+(?:https?://|\S+@\S+\.\w+|(?:this|the|my|our)\s+(?:url|endpoint|server|webhook|email\s+address))"
        ),
    ),
    Rule(
        "exfil.markdown_image",
        "exfiltration",
        0.9,
        _r(r"!\[[^\]]*\]\(\s*https?://[^)\s]*\?[^)\s]*(?:\{|\$|%7B|<)[^)]*\)"),
    ),
    # tool and code execution coercion
    Rule(
        "exec.run_this",
        "code_execution",
        0.8,
        _r(
            r"\b(?:run|execute|eval(?:uate)?)\s+(?:this|the\s+following|these)\s+(?:code|command|commands|script|shell|payload)\b.{0,40}\b(?:immediately|now|without|silently|on\s+(?:the|your)\s+(?:system|machine|server))"
        ),
    ),
    Rule(
        "exec.shell_pipe",
        "code_execution",
        0.9,
        _r(
            r"\b(?:curl|wget)\s+\S+\s*\|\s*(?:ba|z)?sh\b|\brm\s+-rf\s+/(?:\s|$)|powershell\s+-(?:enc|e)\s+[A-Za-z0-9+/=]{20,}|\bnc\s+-e\s+/bin/(?:ba)?sh\b"
        ),
    ),
    Rule(
        "exec.call_tool",
        "code_execution",
        0.7,
        _r(
            r"\b(?:call|invoke|use)\s+the\s+(?:\w+\s+)?(?:tool|function|plugin|api)\s+.{0,40}\b(?:without\s+(?:asking|telling|confirmation)|silently|secretly)"
        ),
    ),
    # instructions addressed to the model inside content
    Rule(
        "addressed.to_model",
        "addressed_to_model",
        0.75,
        _r(
            r"\b(?:dear\s+|attention\s+|note\s+(?:to|for)\s+(?:the\s+)?|hey\s+|hi\s+)?(?:AI|assistant|chatbot|language\s+model|LLM|GPT|ChatGPT|Claude|Bing|model)\b[,:!]?\s+(?:you\s+(?:must|should|will|are\s+(?:now|required))|please\s+(?:ignore|disregard|instead|do\s+not\s+(?:tell|mention|reveal))|ignore|disregard|stop\s+(?:following|summari))"
        ),
        roles=CONTENT_ROLES,
    ),
    Rule(
        "addressed.when_summarizing",
        "addressed_to_model",
        0.8,
        _r(
            r"\bwhen\s+(?:you\s+)?(?:summari[sz]\w*|translat\w*|read\w*|process\w*|answer\w*)\s+this\b.{0,60}\b(?:you\s+(?:must|should)|instead|ignore|also\s+(?:include|add|say|tell))"
        ),
        roles=CONTENT_ROLES,
    ),
    Rule(
        "addressed.shape_output",
        "addressed_to_model",
        0.6,
        _r(
            rf"(?:(?:^|[.!?:;]\s+|\n\s*)(?:please\s+)?(?:{_SHAPE_VERBS})|(?-i:\b(?:Please\s+)?(?:{_SHAPE_VERBS_CAPITALISED})))\b(?:[^.!?\n\x22]|\.(?=\S)|\x22[^\x22\n]{{0,120}}\x22){{0,120}}?\byour\s+(?:response|answer|reply|output|message|responses|answers|replies|outputs)\b"
            r"|(?:(?:^|[.!?:;]\s+|\n\s*)(?:in|throughout|within)|(?-i:\b(?:In|Throughout|Within)))\s+your\s+(?:response|answer|reply|output)s?\s*,"
        ),
        roles=CONTENT_ROLES,
    ),
    Rule(
        "addressed.insert_code",
        "addressed_to_model",
        0.35,  # documentation says "add the following code block to your app" honestly
        _r(rf"{_CODE_DIRECTIVE}"),
        roles=CONTENT_ROLES,
    ),
    Rule(
        "addressed.insert_risky_code",
        "addressed_to_model",
        0.8,
        _r(rf"(?:{_CODE_DIRECTIVE})[\s\S]{{0,800}}?{_RISKY_CALL}"),
        roles=CONTENT_ROLES,
    ),
)

# Cheap necessary conditions: a rule is tried on a view only when one of its anchors occurs
# in the view's skeleton. Thirty regexes per view cost more than the whole rest of the
# scan; most views contain none of the words any rule needs. tests/test_injection.py
# checks the anchors never change a verdict.
_ANCHORS: dict[str, tuple[str, ...]] = {
    "override.ignore_previous": (
        "ignor",
        "disregard",
        "forget",
        "skip",
        "overrid",
        "bypass",
        "neglect",
        "abandon",
        "drop",
    ),
    "override.forget_everything": ("forget", "ignor", "disregard"),
    "override.new_instructions": ("instruction", "system", "task", "now"),
    "override.instead": ("instead", "rather"),
    "persona.dan": ("dan", "anything", "jailbr"),
    "persona.developer_mode": ("mode",),
    "persona.no_restrictions": ("without", "free", "bound"),
    "persona.unfiltered_ai": ("unfiltered", "uncensored", "unrestricted", "amoral", "unaligned"),
    "persona.no_ethics": ("ethic", "moral", "legal", "safety", "matter"),
    "persona.policy_evasion": ("polic",),
    "persona.unbound": (
        "bound",
        "restrict",
        "restrain",
        "limit",
        "constrain",
        "rules",
        "filter",
        "boundar",
        "guideline",
        "longer",
        "free",
    ),
    "persona.harm_allowed": ("allowed", "permitted", "encouraged"),
    "persona.dual_response": ("[",),
    "persona.never_refuse": ("refuse", "never"),
    "persona.stay_in_character": ("character",),
    "persona.amoral": ("moral", "ethic", "conscience", "scruple"),
    "persona.jailbreak_terms": (
        "unfiltered",
        "uncensored",
        "unrestricted",
        "amoral",
        "unaligned",
        "rules",
        "pretend",
        "act",
        "roleplay",
        "role-play",
        "simulat",
        "responses",
        "answers",
        "replies",
    ),
    "persona.unlike_assistant": ("unlike", "opposite"),
    "evasion.encoded_reply": (
        "leet",
        "l33t",
        "1337",
        "base",
        "rot",
        "morse",
        "latin",
        "cipher",
        "202e",
        "rlo",
        "override",
    ),
    "template.special_tokens": ("<|", "[inst]", "<<sys>>", "_of_turn>", "</s>"),
    "template.role_header": ("#", "system"),
    "exfil.reveal_prompt": ("prompt", "instruction", "key", "password"),
    "exfil.send_to_url": ("send", "post", "upload", "forward", "transmit", "exfiltrat", "leak"),
    "exfil.markdown_image": ("![",),
    "exec.run_this": ("run", "execut", "eval"),
    "exec.shell_pipe": ("curl", "wget", "rm", "powershell", "nc"),
    "exec.call_tool": ("tool", "function", "plugin", "api"),
    "addressed.to_model": (
        "ai",
        "assistant",
        "chatbot",
        "model",
        "llm",
        "gpt",
        "claude",
        "bing",
    ),
    "addressed.when_summarizing": ("when",),
    "addressed.shape_output": ("your",),
    "addressed.insert_code": ("code",),
    "addressed.insert_risky_code": ("code",),
}
RULES = tuple(replace(r, anchors=_ANCHORS[r.id]) for r in RULES)
# letters that re.IGNORECASE matches to ASCII ones but str.lower() leaves alone
_CASE_TWINS = str.maketrans({"\u0131": "i", "\u0130": "i", "\u017f": "s", "\u212a": "k"})


def skeleton(text: str) -> str:
    """The text as the anchors are looked up in: lower case, in re.IGNORECASE's sense."""
    return text.translate(_CASE_TWINS).lower()


DETACHED_TASK = "addressed.detached_task"
# the classifier alone, at or above the policy's second, higher cut point (``confident``)
CONFIDENT = "classifier_confident"
DETACHED_TASK_SEVERITY = 0.6
RULE_IDS = (
    *tuple(r.id for r in RULES),
    DETACHED_TASK,
    "invisible.zero_width",
    "invisible.bidi",
    "invisible.tag",
    "classifier",
    CONFIDENT,
    "combined",
)
INVISIBLE_SEVERITY = {"zero_width": 0.4, "bidi": 0.6, "tag": 0.9}
# InjectionParams.confident's default; see there for the data it was fixed on
CONFIDENT_CUT = 0.695


@dataclass(frozen=True, slots=True)
class InjectionParams:
    threshold: float = 0.5  # combined score at which a field is reported
    # classifier score at or above which the classifier alone reports classifier_confident
    # (dropped by default) instead of classifier (flagged); 1 leaves nearly all to
    # classifier, and a cut at or below threshold makes every classifier finding confident.
    # Fixed on data the classifier never learned from and nobody holds out:
    # the lowest cut at which at most 0.5% of the read samples of alpaca, code_alpaca,
    # self_instruct and alpaca_zh (each and overall) and at most 5% of the benign
    # look-alikes of the dev halves (jailbreak_classification's benign role-play prompts,
    # NotInject) are removed; scripts/bench_injection.py prints the choice. NotInject binds:
    # 4.9% removed at 0.695, 6.6% at 0.65
    confident: float = CONFIDENT_CUT
    classifier: bool = True  # False: rules and decoders only, no embedding model needed
    min_severity: float = 0.0  # rules below this are not reported
    max_chars: int = 200_000  # longer fields are scanned in overlapping windows
    max_windows: int = 24  # windows per field scored by the classifier
    # a request in content less similar than this to both the row's instruction and the
    # rest of its field is planted (detectors.detached_task); 0 turns the check off
    detached_task: float = 0.25

    def __post_init__(self) -> None:
        if self.max_chars < 1000:
            raise ValueError("max_chars must be at least 1000")
        if not 0.0 < self.threshold <= 1.0:
            raise ValueError("threshold must be in (0, 1]")
        if not 0.0 < self.confident <= 1.0:
            raise ValueError("confident must be in (0, 1]")
        if self.max_windows < 0:
            raise ValueError("max_windows must be >= 0")
        if not 0.0 <= self.detached_task < 1.0:
            raise ValueError("detached_task must be in [0, 1)")


def _windows(text: str, size: int) -> list[tuple[int, str]]:
    if len(text) <= size:
        return [(0, text)]
    step = size - 500  # overlap, so an instruction on a boundary is seen whole once
    return [(s, text[s : s + size]) for s in range(0, len(text), step)]


def scan_field(
    text: str,
    role: str,
    params: InjectionParams,
    rules: tuple[Rule, ...] = RULES,
    offset: int = 0,
) -> list[tuple[str, float, str]]:
    """(rule id, severity, evidence) for one field; evidence never repeats the payload.
    ``offset`` is where ``text`` starts in the field the evidence names (a turn of a
    plain-text transcript)."""
    hits: dict[str, tuple[float, str]] = {}
    for kind, count, first in invisible(text):
        hits[f"invisible.{kind}"] = (
            INVISIBLE_SEVERITY[kind],
            f"{count} {kind.replace('_', '-')} character(s), first at offset {offset + first}",
        )
    for base, window in _windows(text, params.max_chars):
        base += offset
        for view in views(window):
            low = skeleton(view.text)
            for rule in rules:
                if rule.severity < params.min_severity or rule.id in hits:
                    continue
                if rule.roles is not None and role not in rule.roles:
                    continue
                if rule.anchors and not any(a in low for a in rule.anchors):
                    continue
                m = rule.pattern.search(view.text)
                if m is None:
                    continue
                if view.how == "plain":
                    where = f"at [{base + m.start()}:{base + m.end()}]"
                else:
                    where = f"in {view.how} text at [{base + view.start}:{base + view.end}]"
                hits[rule.id] = (rule.severity, f"{rule.tactic} rule {rule.id} {where}")
    return [(rid, sev, ev) for rid, (sev, ev) in hits.items()]


# presence findings: reported whatever the threshold, the policy decides (flag by default)
_PRESENCE = ("invisible.zero_width", "invisible.bidi")


@dataclass(frozen=True, slots=True)
class FieldVerdict:
    """Everything the scanner concluded about one field."""

    score: float  # combined rules and classifier
    rules: list[tuple[str, float, str]]
    classifier: float  # 0.0 when the classifier is off
    classifier_span: tuple[int, int] | None  # the window that scored highest, None: whole field
    # (embedding, character n-grams) when the head has both halves; classifier is their mean
    halves: tuple[float, float] | None = None

    def findings(
        self, threshold: float, confident: float | None = None
    ) -> list[tuple[str, float, str]]:
        """(rule, score, evidence) to report for this field at this threshold; a classifier
        score at or above ``confident`` (None: never) is reported as classifier_confident."""
        out = [h for h in self.rules if h[0] in _PRESENCE]
        if self.score < threshold:
            return out
        strong = [h for h in self.rules if h[0] not in _PRESENCE and h[1] >= threshold]
        out += strong
        where = (
            f"window [{self.classifier_span[0]}:{self.classifier_span[1]}]"
            if self.classifier_span
            else "whole field"
        )
        if self.halves is not None:
            where = (
                f"{where}, mean of embedding {self.halves[0]:.3f} and character n-grams"
                f" {self.halves[1]:.3f} on the whole field"
            )
        if self.classifier >= threshold:
            sure = confident is not None and self.classifier >= confident
            cut = f" (at or above the confident cut {confident:.3f})" if sure else ""
            out.append(
                (
                    CONFIDENT if sure else "classifier",
                    self.classifier,
                    f"classifier score {self.classifier:.3f}{cut} on {where}",
                )
            )
        weak = [h for h in self.rules if h[0] not in _PRESENCE and h[1] < threshold]
        # weak rules and the classifier together: reported whatever the classifier alone
        # reached, so that more of an attack never earns a milder action than less of it
        if not strong and (weak or self.classifier < threshold):
            parts = ", ".join(f"{r} {s:.2f}" for r, s, _ in self.rules if r not in _PRESENCE)
            out.append(
                (
                    "combined",
                    self.score,
                    f"combined score {self.score:.3f}: rules {parts}; classifier {self.classifier:.3f} on {where}",
                )
            )
        return out


def _worse(a: FieldVerdict, b: FieldVerdict) -> FieldVerdict:
    """Two turns of one field as one verdict: every rule hit (the strongest of each rule),
    and the classifier of the turn it scored higher."""
    hits = {h[0]: h for h in a.rules}
    for h in b.rules:
        if h[0] not in hits or h[1] > hits[h[0]][1]:
            hits[h[0]] = h
    top = a if a.classifier >= b.classifier else b
    return FieldVerdict(
        max(a.score, b.score), list(hits.values()), top.classifier, top.classifier_span, top.halves
    )


class InjectionScorer:
    """Rules over every decoded view, plus the classifier over embeddings, per field."""

    def __init__(
        self,
        params: InjectionParams,
        classifier: InjectionClassifier | None,
        engine: TextEmbedder | None,
    ) -> None:
        if (classifier is None) != (engine is None):
            raise DetectorConfigError(
                "InjectionScorer: the injection classifier needs the embedding engine and vice versa; pass both or neither"
            )
        self.params = params
        self.classifier = classifier
        self.engine = engine

    def score(
        self,
        texts: list[str],
        roles: list[str],
        vectors: np.ndarray | None = None,
        rows: list[int] | None = None,
    ) -> list[FieldVerdict]:
        """One verdict per field. ``rows`` names each field's row, so content can be read
        against its row's instruction; without it no field has an instruction.

        A plain-text field that is a chat transcript (``detectors.transcript``) is read
        as the chat it holds: each turn with its role's rules and classifier head, the
        template's markers left out (they are its format, not fake turns), and the
        field's verdict is its turns' worst. Read whole, every such field was dropped as
        a fake turn, and the content head took the transcript for instructions planted
        in material."""
        split = [
            parse(t) if r in TRANSCRIPT_ROLES and t else None
            for t, r in zip(texts, roles, strict=True)
        ]
        if not any(split):
            return self._score(texts, roles, vectors, rows, [0] * len(texts), roles)
        owner: list[int] = []
        t2: list[str] = []
        r2: list[str] = []
        starts: list[int] = []
        for i, (text, role, got) in enumerate(zip(texts, roles, split, strict=True)):
            parts = (
                [(role, 0, len(text))]
                if got is None
                else [(t.role, t.start, t.end) for t in got.turns]
            )
            for part_role, a, b in parts:
                owner.append(i)
                t2.append(text[a:b])
                r2.append(part_role)
                starts.append(a)
        v2 = None
        if vectors is not None and self.engine is not None:
            v2 = np.zeros((len(t2), vectors.shape[1]), dtype=np.float32)
            whole = [k for k, i in enumerate(owner) if split[i] is None]
            v2[whole] = vectors[[owner[k] for k in whole]]
            turns = [k for k, i in enumerate(owner) if split[i] is not None and head_for(r2[k])]
            if turns:
                v2[turns] = self.engine.embed([t2[k] for k in turns])
        # every rule a text field gets applies to every turn: the uploader places the
        # markers, so a turn's role must not take a payload out of a rule's sight
        rule_roles = [roles[i] for i in owner]
        got2 = self._score(
            t2, r2, v2, [rows[i] for i in owner] if rows else None, starts, rule_roles
        )
        out: list[FieldVerdict | None] = [None] * len(texts)
        for i, v in zip(owner, got2, strict=True):
            was = out[i]
            out[i] = v if was is None else _worse(was, v)
        return [v if v is not None else FieldVerdict(0.0, [], 0.0, None) for v in out]

    def _score(
        self,
        texts: list[str],
        roles: list[str],
        vectors: np.ndarray | None,
        rows: list[int] | None,
        starts: list[int],
        rule_roles: list[str],
    ) -> list[FieldVerdict]:
        """:meth:`score` of fields none of which is a transcript; ``starts`` shift each
        one's evidence (a turn's offset in its field), and ``rule_roles`` pick the rules
        (a turn's is its field's: ``text``)."""
        rules = [
            scan_field(t, r, self.params, offset=o) if t else []
            for t, r, o in zip(texts, rule_roles, starts, strict=True)
        ]
        if self.engine is not None and self.params.detached_task > 0 and rows is not None:
            self._detached_tasks(texts, roles, rows, rules)
        probs = np.zeros(len(texts), dtype=np.float32)
        spans: list[tuple[int, int] | None] = [None] * len(texts)
        halves: list[tuple[float, float] | None] = [None] * len(texts)
        if self.classifier is not None and self.engine is not None:
            if vectors is None:
                vectors = self.engine.embed(texts)
            heads = [head_for(r) for r in roles]
            fields_of = {
                head: [i for i, h in enumerate(heads) if h == head and texts[i]] for head in HEADS
            }
            for head, idx in fields_of.items():
                if idx:
                    probs[idx] = self.classifier.score(vectors[idx], head)
            owners: list[int] = []
            win_spans: list[tuple[int, int]] = []
            for i, h in enumerate(heads):
                if h is not None and texts[i] and self.params.max_windows:
                    for span in windows(texts[i], self.params.max_windows):
                        owners.append(i)
                        win_spans.append(span)
            if owners:
                win_vecs = self.engine.embed(
                    [texts[i][a:b] for i, (a, b) in zip(owners, win_spans, strict=True)]
                )
                win_probs = np.empty(len(owners), dtype=np.float32)
                for head in HEADS:
                    sel = [k for k, i in enumerate(owners) if heads[i] == head]
                    if sel:
                        win_probs[sel] = self.classifier.score(win_vecs[sel], head)
                for i, win, wp in zip(owners, win_spans, win_probs, strict=True):
                    if wp > probs[i]:
                        probs[i] = wp
                        spans[i] = win
            for head, idx in fields_of.items():
                lexical = self.classifier.score_ngrams([texts[i] for i in idx], head)
                if lexical is not None:
                    for i, lp in zip(idx, lexical, strict=True):
                        halves[i] = (float(probs[i]), float(lp))
                        probs[i] = (probs[i] + lp) / 2
        out = []
        for hits, p, where, half, o, t in zip(
            rules, probs, spans, halves, starts, texts, strict=True
        ):
            r = max((sev for rid, sev, _ in hits if rid not in _PRESENCE), default=0.0)
            combined = 1.0 - (1.0 - r) * (1.0 - float(p))
            at: tuple[int, int] | None = None
            if where is not None:
                at = (where[0] + o, where[1] + o)
            elif o:  # a turn scored whole: name its span in the field
                at = (o, o + len(t))
            out.append(FieldVerdict(combined, hits, float(p), at, half))
        return out

    def _detached_tasks(
        self,
        texts: list[str],
        roles: list[str],
        rows: list[int],
        rules: list[list[tuple[str, float, str]]],
    ) -> None:
        """Adds a finding to each content field holding a request its row never asked about."""
        assert self.engine is not None
        instruction: dict[int, str] = {}
        for t, role, row in zip(texts, roles, rows, strict=True):
            if role == "prompt" and t:
                instruction.setdefault(row, t)
        fields = [
            i
            for i, (t, role, row) in enumerate(zip(texts, roles, rows, strict=True))
            if t and row in instruction and head_for(role) == "content"
        ]
        found = find_detached(
            [(instruction[rows[i]], texts[i]) for i in fields],
            self.engine.embed,
            self.params.detached_task,
        )
        for i, d in zip(fields, found, strict=True):
            if d is not None:
                rules[i].append(
                    (
                        DETACHED_TASK,
                        DETACHED_TASK_SEVERITY,
                        f"addressed_to_model rule {DETACHED_TASK} at [{d.start}:{d.end}]: a"
                        f" request unrelated to the row's instruction (cosine"
                        f" {d.to_instruction:.2f}) and to the rest of the field ({d.to_rest:.2f})",
                    )
                )


class InjectionDetector(RowDetector):
    info = DetectorInfo(
        name="injection",
        version="0.5.0",
        rules=RULE_IDS,
        description="injected instructions: rules by tactic over decoded views, and a trained classifier",
        # Zero-width and bidi characters have honest uses (emoji, Persian, Hebrew): flagged.
        # The classifier alone between ``threshold`` and ``confident`` is flagged and kept;
        # at or above ``confident`` (classifier_confident) it drops, as rules and rules the
        # classifier agrees with ("combined") do.
        defaults={
            "*": DROP,
            "invisible.zero_width": FLAG,
            "invisible.bidi": FLAG,
            "classifier": FLAG,
            CONFIDENT: DROP,
        },
    )
    Params = InjectionParams
    params: InjectionParams
    reads = Reads.RAW  # decoders and the classifier judge what the uploader wrote
    embedding_roles = HEAD_ROLES  # the classifier has no head for responses

    def __init__(self, params: InjectionParams | None = None) -> None:
        super().__init__(params)
        self.needs_embeddings = self.params.classifier
        self._classifier: InjectionClassifier | None = None

    def setup(self, ctx: SetupContext) -> None:
        if self.params.classifier and self._classifier is None:
            self._classifier = InjectionClassifier.load()

    def models(self) -> tuple[ModelDigest, ...]:
        if self._classifier is None:
            return ()
        return (MINILM_DIGEST, self._classifier.digest())

    def detect(self, segments: pa.RecordBatch, scan: ScanContext = NO_SCAN) -> DetectionResult:
        embedder: TextEmbedder | None = None
        if self.params.classifier:
            if self._classifier is None:
                raise DetectorConfigError(
                    "injection: the classifier needs setup() before use; call setup(ctx) before detect()"
                )
            if scan.embedder is None:
                raise DetectorConfigError(
                    "injection: the classifier needs the scan's embedder; pass a ScanContext with one "
                    "(Pipeline.scan does), or set [detectors.injection.params] classifier = false"
                )
            embedder = scan.embedder
        scorer = InjectionScorer(self.params, self._classifier, embedder)
        out = FindingBuffer()
        rows = segments.column("row").to_pylist()
        fields = segments.column("field").to_pylist()
        texts = [t or "" for t in segments.column("text").to_pylist()]
        roles = segments.column("role").to_pylist()
        vectors = None
        if self.params.classifier and EMBEDDING in segments.schema.names:
            vectors = segment_vectors(segments)
        verdicts = scorer.score(texts, roles, vectors, rows)
        for row, fld, verdict in zip(rows, fields, verdicts, strict=True):
            for rule_id, score, evidence in verdict.findings(
                self.params.threshold, self.params.confident
            ):
                out.add(row, rule_id, score, f"{evidence} of {fld!r}", fld)
        return DetectionResult(out.items)
