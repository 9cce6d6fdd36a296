"""The clinician-advice detector: a clinician directing one person's treatment, not educating."""

from __future__ import annotations

import re

from community.screening import Span

from .gate import gated, runnable
from .lexicon import DOSE, DRUG, RELATIVE_EN, RELATIVE_RU
from .text import Post

_VERB_EN = (
    r"(?:increase|decrease|reduce|lower|raise|double|halve|cut|stop|start|take|skip|switch|change"
    r"|go\s+up|go\s+down"
    r"|come\s+off|go\s+off|taper|add|drop|hold|keep|continue|restart|use|try|get|give|move|bump|up"
    r"|wean|avoid|quit"
    r"|discontinue|resume|apply|inject|split)\b"
)
_VERB_RU = (
    r"(?:увеличьте|увеличь|уменьшите|снизьте|снижайте|отмените|отменяйте|принимайте|примите|пейте"
    r"|выпейте|колите"
    r"|уколите|начните|начинайте|добавьте|прекратите|переходите|перейдите|замените|дайте|давайте"
    r"|бросайте|бросьте"
    r"|перенесите|продолжайте|возьмите|полощите|сдайте|пересдайте|удвойте|уберите|оставьте"
    r"|поменяйте|мажьте|капайте)"
)

# Directives that name the reader ("you should", "your son needs", "I'd switch you").
ADDRESSED_EN = gated(
    [
        rf"\byou(?:\s+|(?='))(?:\w+ly\s+|just\s+|really\s+|still\s+)?(?:should|need\s+to|must|have\s+to|can"
        rf"|could|'ll\s+need\s+to|will\s+need\s+to|ought\s+to|might\s+want\s+to|'ll\s+want\s+to"
        rf"|will\s+want\s+to"
        rf"|may\s+want\s+to)\s+(?:safely\s+|definitely\s+|just\s+|probably\s+|also\s+"
        rf"|now\s+)?{_VERB_EN}",
        rf"\byour\s+{RELATIVE_EN}\s+(?:should|needs\s+to|need\s+to|can|must|has\s+to)\s+\w+",
        rf"\byou\s+(?:probably\s+|definitely\s+|just\s+)?need\s+(?:an?\s+|the\s+|some\s+|more\s+"
        rf"|less\s+)?(?:higher\s+|lower\s+|bigger\s+|smaller\s+|different\s+|new\s+)?(?:dose"
        rf"|{DRUG})",
        rf"\bmy\s+advice\s+(?:would\s+be|is)\s+to\s+{_VERB_EN}",
        r"\b(?:i'?d|i\s+would)\s+(?:not\s+)?(?:yet\s+)?(?:start|switch|put|have|recommend|suggest|hold"
        r"|stop|take|increase|keep|go|add|cut|reduce|lower|move|bump|come\s+off|do|order|repeat|wait"
        r"|avoid|try|give|change|continue|skip|double|halve|taper|book|get)\b",
        r"\b(?:we'?ll|we\s+will|i'?ll|i\s+will|let'?s|let\s+us|we\s+can|we\s+should)\s+(?:\w+\s+)?"
        r"(?:start|switch|put|increase|lower|reduce|stop|change|move|try|bump|add|taper|up|wean|take)"
        r"\s+(?:you|your|him|her|them)\b",
    ]
)
ADDRESSED_RU = gated(
    [
        r"(?<![а-я])(?:вашему|вашей|вашим)\s+[а-я]+\s+(?:нужно|надо|стоит|следует|необходимо|можно"
        r"|нельзя|лучше)(?![а-я])",
        r"(?<![а-я])(?:вам|тебе)\s+(?:нужно|надо|стоит|следует|необходимо|можно|нельзя|лучше"
        r"|не\s+нужно|не\s+надо|не\s+стоит|нужен|нужна|нужны|не\s+нужен|не\s+нужны)(?![а-я])",
        r"(?:не\s+)?нужн[ыао]?\s+вам|вам\s+не\s+нужн|(?<![а-я])[а-я]+\s+(?:вам\s+)?не\s+нуж(?:ен"
        r"|на|ны)(?![а-я])",
        r"(?<![а-я])я\s+бы\s+(?:на\s+вашем\s+месте\s+)?[а-я]+л[аи]?(?![а-я])",
        r"(?<![а-я])я\s+бы\s+(?:[а-я]+\s+){1,2}?(?:начал|назначил|отменил|увеличил|снизил|уменьшил"
        r"|сделал|добавил|перев[её]л|поменял|заменил|подождал|повторил|пересдал|оставил|прекратил"
        r"|сдал|отложил|понаблюдал|поднял|убрал|перешел|перешла)[аи]?(?![а-я])",
        r"(?<![а-я])(?:рекомендую|советую|назначаю|предлагаю)\s+вам(?![а-я])"
        r"|(?<![а-я])вам\s+показан[оа]?(?![а-я])",
    ]
)
# Bare imperatives: a leaflet says "take it with food", a prescription adds a dose or a person.
IMPERATIVE_EN = gated(
    [
        rf"(?:^|^\s*@\w+\s+|[.!?;:\n]\s*|,\s*|\bthen\s+|\bplease\s+|\bok\s+so\s+"
        rf"|\bgo\s+ahead\s+and\s+)(?:don'?t\s+|do\s+not\s+)?{_VERB_EN}",
    ]
)
IMPERATIVE_RU = gated(
    [
        rf"(?<![а-я])(?:не\s+)?{_VERB_RU}(?![а-я])",
        r"(?:^|[.!?;:\n]\s*|,\s*)(?:не\s+)?(?!(?:здравствуйте|извините|простите|подскажите|скажите"
        r"|пишите|смотрите|представьте|поймите|знаете|понимаете|видите|говорите|думаете|хотите"
        r"|вызывайте|вызовите|звоните|позвоните|обращайтесь|езжайте|поезжайте|приходите"
        r"|можете|обсудите|обратитесь|спросите|уточните|посоветуйтесь|проконсультируйтесь)(?![а-я]))"
        r"[а-я]{3,}(?:йте|ите)(?![а-я])",
    ]
)
# "You don't need the colonoscopy" judges this reader's case by itself.
NO_NEED_EN = re.compile(
    r"\byou\s+(?:don'?t|do\s+not|dont)\s+(?:really\s+)?need\s+(?:the|any|a|an|that|this|those"
    r"|these)\s+\w+"
)

_SPECIFIC = re.compile(
    rf"^\s*@\w+|\b(?:in\s+your\s+(?:case|situation)|for\s+you\b|at\s+your\s+age"
    rf"|for\s+your\s+(?:level|weight|age|situation|case)"
    rf"|from\s+what\s+you\s+(?:describe|wrote|said|mention)|based\s+on\s+(?:what\s+you|your)"
    rf"|given\s+your|since\s+your"
    rf"|with\s+your\s+(?:numbers|labs|results|levels?|\w+\s+(?:at|of)\s+\d)"
    rf"|your\s+(?:symptoms|labs|numbers|results|kidneys?|liver|cough|rash|pain|bp|blood\s+pressure"
    rf"|sugars?|tsh|a1c|ldl|ferritin|iron|\w+\s+(?:of|is|at|levels?)\s+\d)|you\s+mentioned"
    rf"|if\s+i\s+were\s+you"
    rf"|i'?d\s+\w+\s+you|i\s+would\s+\w+\s+you|your\s+{RELATIVE_EN}\b|your\s+(?:last|next)\s+\w+"
    rf"|(?<!if\s)(?<!when\s)you(?:'re|\s+are)\s+(?:on|taking|already)|(?:move|switch)\s+(?:it|them"
    rf"|the\s+\w+)\s+to\s+(?:the\s+)?(?:morning|evening|night|bedtime|dinner|lunch|breakfast))"
    r"|в\s+вашем\s+случае|при\s+ваш\w+|по\s+вашим|судя\s+по\s+ваш\w+|ваш\w*\s+доз\w+"
    r"|ваш\w*\s+(?:сын\w*|доч\w+|ребенк\w*|мам\w+|муж\w*|жен\w+|пап\w+)|вашему\s+\w+|вашей\s+\w+"
    r"|я\s+бы|на\s+вашем\s+месте"
    rf"|(?<!если\s)у\s+вас\s+(?:уже|сейчас|есть)|перенесите\s+на\s+(?:утро|вечер|ночь|обед)"
    rf"|(?<![а-я]){RELATIVE_RU}(?![а-я])"
)
_GENERAL = re.compile(
    r"\bif\s+you\b|\bin\s+general\b|\bgenerally\b|\busually\b|\bmost\s+(?:people|patients)\b"
    r"|\bpeople\s+(?:with|who|taking|on)\b"
    r"|\b(?:talk|speak)\s+(?:to|with)\s+your\b|\bask\s+your\s+(?:own\s+)?(?:doctor|gp|clinician"
    r"|prescriber|pharmacist|care)"
    r"|\byour\s+own\b|\bwithout\s+(?:talking|speaking|checking|asking)\b|\b(?:the\s+)?(?:leaflet"
    r"|label|package\s+insert|pack)\b|\bunless\s+your\b|\balways\b|\bnever\b|\bprescriber\b"
    r"|если\s+(?:вы|у\s+вас|вас|ребенок|у\s+ребенка|только)|в\s+целом|обычно|как\s+правило"
    r"|обсудите|обратитесь|лечащ\w+\s+врач|самостоятельно"
)
_NUMBER_OR_DRUG = re.compile(rf"{DOSE}|{DRUG}|\d")
_CHANGE = re.compile(
    r"(?:\b(?:don'?t\s+|do\s+not\s+)?(?:stop|start|switch|increase|decrease|reduce|lower|double|halve"
    r"|restart|discontinue|come\s+off|go\s+off|taper|drop|hold|skip|add|bump|up|resume)\b"
    r"|(?<![а-я])(?:прекратите|отмените|начните|увеличьте|уменьшите|снизьте|переходите|перейдите"
    r"|замените|удвойте|уберите|бросьте|бросайте|добавьте|поменяйте|пропивайте|пропейте)(?![а-я]))"
)
_REGIMEN = re.compile(
    r"\b(?:once|twice|three\s+times|four\s+times|\d\s*(?:x|times))\s+(?:a|per)\s+day\b"
    r"|\b(?:bid|tid|qid|bd|tds|qds)\b|\bevery\s+\d+\s*(?:hours|hrs|h)\b"
    r"|\d+\s+раз\w*\s+в\s+(?:день|сутки)|(?<![а-я])по\s+\d+(?:[.,]\d+)?\s*(?:таб|капс|мг|мкг|ед|мл|раз)"
    r"|кажды\w+\s+\d+\s+час"
)
# "Tonight", "tomorrow morning": a directive pinned to this reader's calendar.
_NOW = re.compile(
    r"\b(?:tonight'?s?|tomorrow\s+morning|this\s+(?:evening|afternoon)|(?:the\s+)?second\s+dose)\b"
    r"|(?<![а-я])(?:сегодня\s+вечером|завтра\s+утром)(?![а-я])"
)
_DOSE = re.compile(DOSE)
DRUG_IN = re.compile(rf"(?:\b|(?<![а-я]))(?:{DRUG})")


def _individual(post: Post, match: re.Match[str], *, imperative: bool) -> bool:
    """Whether a directive is about this reader's case rather than general guidance."""
    if _GENERAL.search(post.sentence_at(match.start())):
        return False
    if any(
        not _GENERAL.search(post.sentence_at(m.start())) for m in _SPECIFIC.finditer(post.folded)
    ):
        return True
    if post.venue == "education":
        return False
    tail = post.folded[match.start() : match.start() + 80]
    if imperative and (
        _REGIMEN.search(tail)
        or _NOW.search(tail)
        or (_CHANGE.match(match.group(0).lstrip(" .,!?;:\n")) and DRUG_IN.search(tail))
    ):
        return True
    return (_DOSE if imperative else _NUMBER_OR_DRUG).search(tail) is not None


def detect_clinician_advice(post: Post) -> tuple[Span, ...]:
    """Spans where a clinician gives one person individual treatment directions."""
    if post.author_role != "clinician":
        return ()
    addressed, imperative = (ADDRESSED_EN, IMPERATIVE_EN)
    if post.has_cyrillic:
        addressed, imperative = addressed + ADDRESSED_RU, imperative + IMPERATIVE_RU
    text = post.folded
    found = [
        m for p in runnable(addressed, post.indexed) for m in p.regex.finditer(text)
        if _individual(post, m, imperative=False)
    ]
    found += [
        m for p in runnable(imperative, post.indexed) for m in p.regex.finditer(text)
        if _individual(post, m, imperative=True)
    ]
    found += [
        m for m in NO_NEED_EN.finditer(text) if not _GENERAL.search(post.sentence_at(m.start()))
    ]
    return tuple(
        sorted(
            {Span(m.start(), m.end(), "clinician_directive") for m in found},
            key=lambda s: (s.start, s.end),
        )
    )
