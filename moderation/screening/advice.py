"""The advice-request detector: a patient asks what to do about their own or a relative's case."""

from __future__ import annotations

import re

from community.screening import Span

from .gate import gated, runnable
from .lexicon import CLINICIAN_EN, DOSE, DRUG, RELATIVE_EN, RELATIVE_RU
from .text import Post

_SHOULD = r"(?:should|shud|shld|sould|shoud|shall)"
_WHO = rf"(?:i|we|my\s+{RELATIVE_EN}|our\s+{RELATIVE_EN}|he|she|they)"
_ADV = (
    r"(?:just\s+|still\s+|safely\s+|also\s+|even\s+|really\s+|actually\s+|maybe\s+|then\s+|now\s+)?"
)
# Asking how to talk to one's own clinician, or what to expect or bring, is not about treatment.
_PEOPLE = (
    rf"(?:(?:my|the|our|his|her|a)\s+)?(?:{CLINICIAN_EN}|boss|work|employer|family|friends|partner"
    rf"|husband|wife|kids|school|manager|teacher|insurance|insurer)\b"
)
_NOT_TREATMENT = (
    rf"(?:keep\s+a\s+(?:diary|journal|log|record)|ask\s+{_PEOPLE}|ask\s+(?:about|if|whether"
    rf"|for\s+a\s+referral)|tell\s+{_PEOPLE}|mention|bring(?!\s+(?:it|this|them)\s+down)|expect"
    rf"|wear|pack|post|share|join|say|read|watch|explain|name|call\s+(?:it|him|her)|have\s+(?:been|gone|known|done|asked|said"
    rf"|seen|\w+ed)\b|be\s+(?:allowed\s+to\s+)?(?:posting|asking|sharing))"
)
_TREAT = (
    r"(?:take|taking|stop|stopping|quit|drink|eat|have|give|use|mix|combine|double|skip|go\s+off"
    r"|come\s+off|go\s+up|go\s+down"
    r"|increase|up|lower|reduce|cut|switch|start|continue|keep\s+taking|get\s+(?:the\s+|a\s+"
    r"|my\s+)?(?:shot|vaccine|vaccinated|jab|booster|tested|surgery|pregnant|\w+\s+(?:shot|vaccine"
    r"|jab))|try|halve|split|crush|inject|swap|restart|wean"
    r"|taper|change|fly|travel|breastfeed|drive|exercise|work\s+out|go\s+back\s+on|do|worry)\b"
)

ADVICE_EN = gated(
    [
        rf"\b{_SHOULD}\s+{_WHO}\s+{_ADV}(?!{_NOT_TREATMENT})\w+",
        rf"\b(?:if|whether)\s+(?:i|we)\s+{_SHOULD}\s+{_ADV}(?!{_NOT_TREATMENT})\w+",
        rf"\b(?:do\s+you\s+think|think)\s+(?:i|we|my\s+{RELATIVE_EN}|he|she)\s+(?:should|need"
        rf"|needs|have\s+to|has\s+to|can|could)\b",
        rf"(?<!where\s)(?<!how\s)\b(?:can|could|may)\s+(?:i|we|my\s+{RELATIVE_EN}|he"
        rf"|she)\s+{_ADV}{_TREAT}",
        rf"\b(?:is|would)\s+it\s+(?:be\s+)?(?:ok|okay|safe|fine|alright|bad|dangerous|wise|smart"
        rf"|dumb|stupid|crazy|silly|risky|reckless|wrong|irresponsible|a\s+(?:bad|terrible|dumb"
        rf"|stupid)\s+idea"
        rf"|a\s+good\s+idea)\s+(?:for\s+(?:me|my\s+{RELATIVE_EN}|him|her|us)|if\s+(?:i|my|we)"
        rf"|to\s+\w+\s+(?:my|his|her|our)\b)",
        rf"\b(?:do|does)\s+(?:i|we|my\s+{RELATIVE_EN}|he|she)\s+(?:really\s+)?(?:need"
        rf"|have)\s+(?:to\s+)?(?!(?:to\s+)?(?:bring|fast|pay|register|sign|a\s+referral"
        rf"|an\s+appointment))\w+",
        rf"\b(?:if|whether)\s+(?:i|we|my\s+{RELATIVE_EN}|he|she)\s+can\s+{_ADV}{_TREAT}",
        r"\bdo\s+(?:i|we)\s+(?:take|give|go|call|stop|keep|continue|start|wait|double|skip)\b",
        r"\bwhat\s+(?:to|can\s+i|should\s+i|do\s+i)\s+(?:give|take)\b",
        rf"\btoo\s+(?:much|high|low|many|strong)\s+for\s+(?:me|my\s+{RELATIVE_EN}|him|her)\b",
        rf"\b(?:how\s+(?:much|many|often|long)|what\s+(?:dose|dosage|strength"
        rf"|amount))\b(?:\s+(?!you\b)\w+){{0,4}}\s+(?:should|can|could|do|may)\s+(?:i|we|he|she"
        rf"|my\s+{RELATIVE_EN})\s+{_ADV}(?:take|give|use|have|drink|wait|stay|keep)",
        r"\bwhat\s+(?:would|do)\s+you\s+(?:do|recommend|suggest)\s+(?:in\s+my|if\s+you\s+were"
        r"|for\s+(?:me|my|him|her))|\bin\s+my\s+(?:shoes|situation|position)\s*\?",
        r"\b(?:would|do|could|can)\s+you\s+(?:recommend|suggest|advise)\s+(?:i|me|that\s+i|my"
        r"|we)\b",
        r"\bhow\s+(?:do|should|can)\s+(?:i|we)\s+(?:safely\s+)?(?:taper|wean|come\s+off|get\s+off"
        r"|go\s+off|stop\s+taking|quit\s+taking|switch)\b",
        r"\b(?:tell|advise|help)\s+me\s+(?:if|whether|what|how\s+much|which|to)\s+(?:i\s+|to\s+)?",
        r"\b(?:thinking|considering|planning|want(?:ing)?)\s+(?:of|about|to)\s+(?:quit|stop"
        r"|go(?:ing)?\s+off|com(?:e|ing)\s+off|taper|skip|doubl|increas|reduc|lower|switch|cut"
        r"|ditch|drop)\w*\b.*(?:\?|thoughts|good\s+idea|bad\s+idea|advice|opinions?|should)",
        r"\b(?:is|are)\s+(?:my|his|her)\s+(?:dose|dosage|levels?|numbers?|results?"
        r"|\w+\s+levels?)\s+(?:too\s+(?:high|low)|ok|okay|safe|dangerous|bad)\b",
        r"\bwhich\s+(?:one|med|medication|drug|treatment|option|is"
        r"|would\s+be)\b[^.?]{0,40}\b(?:better|best|safer)\s+for\s+(?:me|my|him|her)\b|\b(?:better"
        r"|best)\s+for\s+me\s*[,?]",
        rf"\b(?:idk|i\s+don'?t\s+know|dont\s+know|not\s+sure|unsure|can'?t\s+decide"
        rf"|wondering)\s+(?:whether|if)\s+(?:to|i\s+should"
        rf"|i\s+need\s+to)\s+(?!{_NOT_TREATMENT})\w+",
        r"\b(?:should|do)\s+(?:i|we)\s+(?:be\s+)?(?:worried|concerned|scared|panic)",
        r"\bneed\s+advice\s*[:,-]|\b(?:any|need)\s+advice\s+(?:on|about)\s+(?:whether|if|my"
        r"|what\s+to\s+do)",
        r"\bwhat\s+(?:should|do|can|shall|would)\s+(?:i|we)\s+(?:do|take|give|use|try)\b",
        r"\bwhat\s+to\s+do\s+(?:about|with|for)\s+(?:my|his|her|our)\b",
        rf"\b(?:would|will|could|does|did)\s+(?:that|this|it|keto|\w+ing)\s+(?:\w+\s+)?(?:work|help"
        rf"|be\s+(?:ok|okay|safe|enough|better|wise|smart))\s+for\s+(?:me|my\s+{RELATIVE_EN}|him"
        rf"|her|us)\b",
    ]
)

_TREAT_RU = (
    r"(?:пить|выпить|принимать|принять|колоть|уколоть|бросить|бросать|отменить|отменять|прекратить"
    r"|продолжать|продолжить"
    r"|увеличить|увеличивать|уменьшить|снизить|снижать|поднять|повысить|удвоить|начать|начинать"
    r"|переходить|перейти|менять"
    r"|поменять|заменить|допить|дать|давать|делать|сделать|удалять|удалить|соглашаться|вызывать|ставить"
    r"|лечить|лечиться|сбить|сбивать|мазать|капать|сдавать|ложиться|рожать|кормить|прививаться"
    r"|класть|пропустить)"
)
_WHO_RU = rf"(?:мне|нам|ему|ей|им|{RELATIVE_RU})"

ADVICE_RU = gated(
    [
        rf"(?:стоит|надо|нужно|можно|следует|имеет\s+смысл|есть\s+смысл|нормально|опасно"
        rf"|безопасно)\s+ли\s+(?:{_WHO_RU}|{_TREAT_RU}|\w+\s+{_TREAT_RU})",
        rf"(?:нуж[енна]+|нужны)\s+ли\s+(?:{_WHO_RU}|{DRUG})",
        rf"(?<![а-я])можно\s+(?:ли\s+)?(?:{_WHO_RU}\s+)?(?:сразу\s+|уже\s+|просто\s+"
        rf"|тогда\s+)?(?:\d|{_TREAT_RU}|{DRUG})[^.!]*\?",
        rf"(?<![а-я]){_TREAT_RU}\s+(?:его|ее|её|их)\s*\?",
        rf"{_TREAT_RU}\s+ли\b",
        rf"(?<![а-я])(?:может|мож|наверное)\s*,?\s+{_WHO_RU}\s+(?:\w+\s+)?{_TREAT_RU}",
        rf"(?<![а-я]){_WHO_RU}\s+(?:можно|нужно|надо|стоит|следует|лучше|нельзя"
        rf"|бы)\s+[^.!?]{{0,60}}\?",
        rf"(?<![а-я])мне\s+(?:сейчас\s+|теперь\s+|уже\s+)?{_TREAT_RU}\b[^.!?]{{0,60}}\?",
        r"(?<![а-я])(?:что|шо|чо|че|што)\s+(?:же\s+)?(?:мне\s+|нам\s+|теперь\s+"
        r"|сейчас\s+)?(?:делать|предпринять)|как\s+(?:мне|нам)\s+(?:быть|\w+ть)",
        r"(?<![а-я])что\s+(?:посоветуете|порекомендуете|скажете)|(?<![а-я])(?:мне|нам|ему"
        r"|ей)\s+(?:уже\s+)?пора\s+(?:на\s|начинать|переходить|\w+ть)",
        r"(?<![а-я])что\s+(?:ему|ей|мне|нам|ребенку)?\s*(?:дать|давать|пить|принять|выпить"
        r"|принимать)(?![а-я])",
        rf"(?<![а-я])или\s+(?:мне\s+|все\s+же\s+|всё\s+же\s+)?{_TREAT_RU}\s*\?",
        r"(?<![а-я])чем\s+(?:лечить|лечиться|сбить|сбивать|снизить|помочь|мазать|полоскать"
        r"|обработать|заменить|колоть|капать)",
        rf"(?<![а-я])подскаж\w+\s*,?\s*(?:пожалуйста\s*,?\s*|пжл\w*\s*,?\s*"
        rf"|плиз\s*,?\s*)?(?:что\s+(?:пить|принять|принимать|выпить|делать|дать)|чем|сколько|какой"
        rf"|какую|какое|какие|можно|нужно|надо|стоит|мне|{_WHO_RU}|как\s+(?:лечить|принимать|пить"
        rf"|снизить|быть))",
        rf"(?<![а-я])посоветуйте\s+(?:\w+\s+)?(?:лекарств|препарат|таблетк|антибиотик|мазь|капли"
        rf"|средство|что\s+(?:пить|принять|принимать|выпить|дать)|дозу|{DRUG})",
        rf"(?<![а-я])(?:сколько|какую\s+дозу|какую\s+дозировку|какой\s+препарат|какое\s+лекарство"
        rf"|какие\s+таблетки|какое|какой|какую)\s+(?:[а-я]+\s+){{0,2}}(?:{_WHO_RU}\s+)?(?:можно\s+"
        rf"|нужно\s+|лучше\s+)?(?:пить|принимать|давать|дать|колоть)",
        rf"{_TREAT_RU}\s+(?:[а-я0-9.,]+\s+){{0,4}}или\s+(?:[а-я]+\s+){{0,3}}?(?:{_TREAT_RU}|нет"
        rf"|не\s+\w+|подождать|ждать|понаблюдать)[^.!]*\?",
        r"(?:само|сама|сам)\s+пройдет|(?:идти|обращаться"
        r"|ехать)\s+(?:ли\s+)?(?:мне\s+)?(?:к\s+врачу|в\s+больницу|в\s+травмпункт)[^.!]*\?",
        r"(?<![а-я])(?:соглашаться|ложиться|оперироваться)\s+(?:или\s+нет|ли)",
    ]
)
_INF = r"[а-я]{2,}(?:ть|ться|чь|ти)"
ADVICE_RU_PERSONAL = gated(
    [
        rf"(?<![а-я]){_INF}\s+(?:[а-я0-9.,%-]+\s+){{0,5}}?или\s+(?:[а-я]+\s+){{0,3}}?{_INF}"
        rf"(?:\s+[а-я0-9.,-]+){{0,3}}\s*\?",
        rf"(?:^|[.,!?:;)]\s*|\n\s*)(?:{_WHO_RU}\s+)?(?:сейчас\s+|теперь\s+|уже\s+|может\s+|просто\s+)?"
        rf"(?:{_TREAT_RU}|пропускать|везти|вести|ехать|идти|ждать|вызвать|колоть|сдать|вернуться"
        rf"|терпеть)\s+[^.!?\n]{{0,40}}\?",
        rf"(?<![а-я])(?:какую|какой|какое|какие|что|чем|сколько)\s+(?:[а-я]+\s+){{0,2}}?(?:{_WHO_RU}|ребенку"
        rf"|сыну|дочке|маме|папе|мужу)\s+(?:[а-я]+\s+)?{_INF}\s*\?",
        rf"(?<![а-я])(?:стоит|надо|нужно|можно|нормально|опасно|безопасно)\s+ли\s+[^.!?]{{0,60}}?"
        rf"{_TREAT_RU}[^.!]*\?",
    ]
)
_PERSONAL_RU = re.compile(
    rf"(?<![а-я])(?:мне|меня|мной|я|мой|моя|мое|моё|мои|моих|моим|моей|моего|моему|нам|нас|наш\w*"
    rf"|{RELATIVE_RU})(?![а-я])"
)
_ASKED_ALREADY = re.compile(
    r"\b(?:asked|wondered|used\s+to(?:\s+(?:think|wonder))?)\b[^.!?]{0,40}$|(?<![а-я])(?:спросил[аи]?"
    r"|уточнил[аи]?)(?![а-я])[^.!?]{0,40}$"
)
_HEALTH_WORDS = (
    rf"{DRUG}|{DOSE}|\b(?:pain|fever|rash|symptom|flare|blood|pressure|sugar|surgery|dose|test|lump"
    rf"|swollen|bleed|cough|infection|sick|breath|chest|seizure|faint|dizzy|vomit|unconscious"
    rf"|swallow|collapsed)"
    rf"|(?:боль|болит|температур|давлени|сахар|сып|анализ|доз|кашель|симптом|отек|кров"
    rf"|операци|ттг|гемоглобин|беремен|тошнит|рвот|понос|живот|перекос|онеме|немеет|судорог"
    rf"|сознани|дыш|задыха|невнятн|наглотал)"
)
_HEALTH_CONTEXT = re.compile(rf"{_HEALTH_WORDS}|\d")
_HEALTH_WORDS_RE = re.compile(_HEALTH_WORDS)
# Record numbers, leaks and paperwork: "what do I do" about them is not about treatment.
_ADMIN = re.compile(
    r"\b(?:ssn|social\s+security|breach|leak(?:ed)?|portal|password|paperwork|billing|bill)\b"
    r"|снилс|полис|регистратур|паспорт|справк|документ"
)
_VAGUE = (
    "what should",
    "what do",
    "what can",
    "what shall",
    "what would",
    "what to",
    "do i",
    "do we",
    "что",
    "шо",
    "чо",
    "че",
    "што",
    "как мне",
    "как нам",
)


def _asks(post: Post, match: re.Match[str]) -> bool:
    """Whether the match asks for advice now, rather than reporting a question already asked."""
    start, _ = post.sentence_bounds(match.start())
    if _ASKED_ALREADY.search(post.folded[start : match.start()]):
        return False
    if match.group(0).startswith(_VAGUE):
        if _ADMIN.search(post.folded) and not _HEALTH_WORDS_RE.search(post.folded):
            return False
        return _HEALTH_CONTEXT.search(post.folded) is not None
    return True


def detect_advice_request(post: Post) -> tuple[Span, ...]:
    """Spans where a patient asks for individual medical advice."""
    if post.author_role == "clinician":
        return ()
    patterns = ADVICE_EN + ADVICE_RU if post.has_cyrillic else ADVICE_EN
    found = [m for p in runnable(patterns, post.indexed) for m in p.regex.finditer(post.folded)
             if _asks(post, m)]
    if (
        post.has_cyrillic
        and _PERSONAL_RU.search(post.folded)
        and _HEALTH_CONTEXT.search(post.folded)
    ):
        found += [m for p in runnable(ADVICE_RU_PERSONAL, post.indexed)
                  for m in p.regex.finditer(post.folded) if _asks(post, m)]
    return tuple(
        sorted(
            {Span(m.start(), m.end(), "advice_request") for m in found},
            key=lambda s: (s.start, s.end),
        )
    )
