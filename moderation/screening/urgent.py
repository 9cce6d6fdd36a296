"""The urgent detector: self-harm intent or a medical emergency happening now."""

from __future__ import annotations

import re

from community.screening import Span

from .gate import GatedPattern, gated, runnable
from .lexicon import DRUG, RELATIVE_EN
from .text import Post

_ME = r"(?:my\s?self|him\s?self|her\s?self|them\s?selves)"
_POSS = r"(?:my|his|her|their)"
_PILLS = rf"(?:pills|tablets|meds|medication|medicine|capsules|{DRUG})"
_NOT_UNIT = (
    r"(?!\s*(?:mg|mcg|ml|g|iu|units?|ug|kg|lbs?|mmol|%|days?|weeks?|months?|hours?|mins?|minutes?"
    r"|years?)\b)"
)
_QUANTITY = (
    rf"(?:a\s+(?:whole\s+)?(?:bunch|bottle|handful|pack|packet|strip|box|load|ton)\s+of"
    rf"|the\s+whole\s+(?:bottle|pack|packet|box|strip)(?:\s+of)?|every\s+(?:single\s+)?"
    rf"|\d{{2,}}(?![\d.,]){_NOT_UNIT}(?:\s+of)?|too\s+many|a\s+lot\s+of"
    rf"|all\s+of\s+(?:my\s+)?\w+'s)"
)

# 10-54 mg/dL or 1.0-2.9 mmol/L: hypoglycaemia that needs help now.
_LOW_GLUCOSE = (
    r"(?:\b(?:blood\s+sugar|sugar|bg|bgl|glucose|bs)|сахар\w*)\s+(?:is\s+|was\s+|of\s+|at\s+"
    r"|reading\s+|dropped\s+to\s+"
    r"|down\s+to\s+|упал\s+до\s+|до\s+)?(?:[12][.,]\d|[1-4]\d|5[0-4])(?!\d|[.,]\d)"
)

_HYPERBOLE = (
    r"(?!\s+(?:of|from|laughing)\s+(?:embarrassment|laughter|laughing|shame|boredom|cuteness"
    r"|cringe))"
)

SELF_HARM_EN = gated(
    [
        rf"\b(?:want|wanna|wanting|wish|ready|decided|deserve"
        rf"|plan(?:ning)?)\s+(?:\w+\s+){{0,2}}?(?:to\s+)?(?:die|be\s+dead)\b{_HYPERBOLE}",
        rf"\b(?:wants?|wanna|wanting|wish|going|gonna|ready|plan(?:s|ning)?|decided|about(?=\s+to\b)|trying"
        rf"|need)\s+(?:\w+\s+){{0,2}}?(?:to\s+)?(?:kill\s+{_ME}|end\s+(?:it|it\s+all"
        rf"|{_POSS}\s+life|things|everything|this\s+life)|take\s+{_POSS}\s+(?:own\s+)?life"
        rf"|hurt\s+{_ME}|harm\s+{_ME}|cut\s+{_ME}|overdose|unaliv\w*|jump)\b",
        r"\b(?:want|wanna|wish)\s+(?:it\s+all|everything)\s+to\s+(?:end|stop|be\s+over)\b",
        rf"\bkill(?:ing)?\s+{_ME}\b(?!\s+(?:laughing|at\s+the\s+gym|working))",
        r"\b(?:kms|unaliv(?:e|ed|ing)(?:\s+{_ME})?)\b",
        r"\b(?:i'?m|i\s+am|feel(?:ing)?|been|getting|so|very|really|kinda|pretty|actively"
        r"|passively)\s+suicidal\b",
        r"\b(?:having|have|getting|experiencing|with)\s+(?:\w+\s+)?suicidal\s+(?:thoughts|ideation"
        r"|feelings|urges)\b",
        r"\bsuicidal\s+(?:thoughts|ideation|feelings|urges)\s+(?:again|today|tonight|lately"
        r"|right\s+now|every)",
        rf"\bthinking\s+(?:about|of)\s+(?:suicide|killing\s+{_ME}|ending\s+(?:it|my\s+life|things)"
        rf"|taking\s+my\s+(?:own\s+)?life|jumping|overdosing|hurting\s+{_ME})",
        r"\b(?:don'?t|do\s+not|dont|no\s+longer)\s+(?:really\s+|even\s+)?(?:want|wanna"
        r"|wish)\s+(?:to\s+)?(?:live|be\s+alive|be\s+here|exist|wake\s+up|go\s+on|keep\s+going)\b",
        r"\b(?:life|living)\s+(?:is\s*n'?t|isnt|is\s+not|aint|not)\s+worth\s+living",
        r"\bno\s+(?:reason|point)\s+(?:to|in|of)\s+(?:liv|keep\s+(?:liv|go)|go(?:ing)?\s+on"
        r"|being\s+alive|stay)",
        r"\bno\s+point\s+(?:in\s+)?(?:going\s+on|living|carrying\s+on)",
        r"\b(?:don'?t|dont|do\s+not|can'?t|cant)\s+see\s+(?:the|any)\s+(?:point|reason)\s+(?:in|of"
        r"|to)\s+(?:liv|keep|go|be\s+alive)",
        r"\bbetter\s+off\s+(?:dead|without\s+me|if\s+i\s+(?:was|were)\s+(?:dead|gone))",
        r"\b(?:wish|wishing)\s+(?:i\s+)?(?:was|were|could\s+be)\s+dead\b",
        r"\b(?:wish|hope)\s+i\s+(?:would(?:n'?t|\s+not)|wouldnt|don'?t|dont|didn'?t"
        r"|never)\s+wake\s+up",
        r"\b(?:and|to)\s+(?:never|not)\s+wake\s+up\b",
        rf"\bend(?:ing)?\s+(?:it\s+all|{_POSS}\s+(?:own\s+)?life)\b",
        r"\b(?:slit|slitting|cut|cutting|open)\s+my\s+wrists\b",
        rf"\bhang(?:ing)?\s+{_ME}\b|\bnoose\b",
        rf"\b(?:cut|cutting|burning)\s+{_ME}\b",
        r"\b(?:i'?ve\s+been|been|i'?m|im|i\s+am)\s+(?:cutting|self[\s-]?harming)\b"
        r"|\bcutting\s+again\b",
        r"\bself[\s-]?harm(?:ing|ed)?\s+(?:again|tonight|today|right\s+now)",
        rf"\b(?:took|taken|swallowed|downed|take|taking|gonna\s+take"
        rf"|going\s+to\s+take)\s+(?:like\s+|about\s+|around\s+|over\s+|almost\s+"
        rf"|just\s+)?{_QUANTITY}\s*(?:my\s+|his\s+|her\s+|the\s+|their\s+"
        rf"|our\s+)?(?:\w+'?s?\s+){{0,2}}?{_PILLS}",
        r"\b(?:took|taken|take|taking)\s+an\s+overdose\b|\bi\s+(?:just\s+)?(?:overdosed|od'?d)\b",
        r"\b(?:jump(?:ing)?|throw(?:ing)?\s+my\s?self)\s+(?:off|from|in\s+front\s+of|out\s+of)\b",
        r"\b(?:standing|i'?m|im|am)\s+(?:on|at)\s+(?:the\s+|a\s+|my\s+)?(?:edge|ledge|roof|rooftop"
        r"|bridge|railing|tracks|balcony)\b",
        rf"\b(?:pills|tablets|meds)\s+(?:all\s+)?(?:lined\s+up|in\s+front\s+of\s+me|counted\s+out)"
        rf"|\bsaved\s+up\s+(?:enough\s+)?(?:\w+\s+)?{_PILLS}|\bstockpil(?:ed|ing)\b",
        rf"\b(?:use|using)\s+it\s+on\s+{_ME}\b",
        rf"\b(?:don'?t|dont|do\s+not)\s+feel\s+safe\s+(?:with\s+{_ME}|around\s+{_ME}|tonight"
        rf"|right\s+now|alone)|\b(?:i'?m|im|i\s+am)\s+not\s+safe\b",
        r"\bsleep\s+forever\b|\brather\s+be\s+dead\b|\bsuicide\s+(?:note|letter|plan)\b",
        # A method in mind: driving into something, car exhaust, taking everything at once.
        r"\b(?:think|thinking|thought|fantasi[sz]ing|urge)\s+(?:about|of|to)\s+(?:just\s+)?(?:driv(?:e|ing)"
        r"|crash(?:ing)?|steer(?:ing)?|swerv(?:e|ing))\s+(?:my\s+car\s+|off\s+)?(?:into|off|in\s+front)",
        r"\bengine\s+running\b[^.!?]{0,30}\bgarage\b|\bgarage\b[^.!?]{0,30}\bengine\s+running\b"
        r"|\bcar\s+exhaust\b",
        r"\b(?:thinking|thought|think)\s+(?:about|of)\s+(?:taking|swallowing|downing)\s+(?:all|every"
        r"|the\s+whole|them\s+all|the\s+lot)\b",
        r"\b(?:took|taken|swallowed|downed)\s+(?:like\s+|about\s+|just\s+)?(?:the\s+whole|a\s+whole"
        r"|an\s+entire|the\s+entire)\s+(?:bottle|pack|packet|box|strip|blister|tub|sheet|pot)"
        r"\s+of\s+(?:my\s+|his\s+|her\s+|the\s+)?[a-z]+",
        r"\b(?:standing|sitting|i'?m|im|am)\s+(?:on|at)\s+(?:the\s+|a\s+|my\s+)?(?:top\s+of\s+(?:the\s+|a\s+)?)?"
        r"(?:overpass|cliff|cliffs|car\s+park\s+roof|parking\s+garage|train\s+tracks|platform\s+edge)\b",
    ]
)
# Alone, each is how people talk on a bad day; a farewell or a method plus another cue is a crisis.
FINALITY_EN = gated(
    [
        r"\bgoodbye\s+(?:everyone|all|guys|forever|world|friends)\b|\bbye\s+(?:everyone"
        r"|all)\s+forever\b",
        r"\b(?:won'?t|will\s+not|wont|not\s+going\s+to)\s+be\s+(?:here|around)\s+(?:much\s+longer"
        r"|after|tomorrow|anymore|for\s+long)",
        r"\bthis\s+is\s+my\s+last\s+(?:post|message)\b",
        r"\b(?:written|wrote|writing)\s+(?:the\s+|my\s+)?(?:letters|notes?)\b|\bhave\s+a\s+plan\b",
        r"\b(?:no\s+one|nobody)\s+would\s+(?:even\s+|really\s+|ever\s+)?(?:notice|care|miss)",
        rf"\b(?:took|taken|swallowed|take|taking)\s+(?:all|double"
        rf"|triple)\s+(?:of\s+)?(?:{_POSS}\s+)?(?:\w+\s+)?{_PILLS}",
        r"\b(?:on\s+purpose|intentionally)\b",
        r"\b(?:i'?m\s+)?ready\s+to\s+go\b",
        r"\bhow\s+many\s+(?:of\s+)?(?:my\s+|these\s+|the\s+)?(?:\w+\s+){0,2}?(?:it\s+)?(?:would|will"
        r"|does|do)\s+(?:it\s+)?(?:take|kill)\b",
        rf"\b(?:stash|stockpile|hoard|supply)\s+of\s+(?:\w+\s+)?{_PILLS}",
        rf"\b{_PILLS}\s+(?:are|is)\s+(?:all\s+)?(?:right\s+)?(?:here|ready|next\s+to\s+me|beside\s+me"
        rf"|in\s+my\s+hand|on\s+the\s+\w+|counted)\b",
    ]
)
DISTRESS_EN = gated(
    [
        r"\b(?:i'?m|im)\s+done\b(?!\s+with)",
        r"\b(?:can'?t|cant|cannot)\s+(?:do\s+this|go\s+on|take\s+(?:it|this"
        r"|the\s+pain))\s+anymore\b",
        r"\b(?:tired|sick)\s+of\s+(?:living|being\s+alive|fighting|everything|life)\b",
        r"\bsorry\s+(?:to\s+)?(?:everyone|all)\b|\bi\s+give\s+up\b(?!\s+on)",
        r"\bwhat\s+do\s+i\s+do\b|\bhelp\s*(?:me\s*)?!",
        r"\b(?:bottle|glass(?:es)?)\s+of\s+(?:wine|vodka|whisky|whiskey|alcohol)"
        r"|\bwith\s+(?:alcohol|vodka|wine)\b",
        r"\b(?:don'?t|dont|do\s+not|can'?t|cant)\s+see\s+(?:the|any)\s+point\b"
        r"|\bwhat'?s\s+the\s+point\s+(?:anymore|of\s+(?:anything|living|trying))",
        r"\b(?:just\s+)?want\s+(?:it|this|the\s+pain|everything)\s+(?:all\s+)?to\s+(?:stop|end|be\s+over)\b",
        r"\b(?:a|such\s+a|just\s+a)\s+burden\b|\bdon'?t\s+know\s+what\s+to\s+do\s+with\s+my\s?self\b",
    ]
)
EMERGENCY_EN = gated(
    [
        r"\b(?:can'?t|cant|cannot|can\s+not|unable\s+to)\s+(?:breathe|breath)\b(?!\s+through)",
        r"\b(?:not|isn'?t|isnt|stopped|barely|hardly)\s+breathing\b|\bbreathing\s+(?:weird|funny"
        r"|strange|badly|shallow)",
        r"\b(?:lips?|face|skin|he|she|baby)\s+(?:is\s+|are\s+|'s\s+)?(?:turning|going|gone"
        r"|went)\s+blue\b|\bblue\s+lips\b|\blips\s+(?:are\s+)?blue\b",
        r"\blips?\s+(?:look(?:s|ing)?|are|is|went|turning|going|gone)\s+(?:kinda\s+|kind\s+of\s+|a\s+bit\s+"
        r"|really\s+|very\s+|all\s+)?(?:grey|gray|blue|purple|ashen)\b",
        r"\bthroat\s+(?:is\s+|feels?\s+(?:like\s+)?(?:it'?s\s+|its\s+|it\s+is\s+)?)?(?:closing"
        r"|swelling|closed\s+up)",
        r"\b(?:tongue|lips)\s+(?:and\s+\w+\s+)?(?:is\s+|are\s+)?swelling\b"
        r"|\bswelling\s+up\s+fast\b|\banaphyla\w*",
        r"\b(?:face|mouth|smile)\s+(?:is\s+)?(?:drooping|droopy|twisted|lopsided)",
        r"\b(?:speech|words)\s+(?:is\s+|are\s+)?(?:coming\s+out\s+)?(?:slurred|wrong|jumbled"
        r"|garbled)|\bslurr(?:ed|ing)\s+(?:speech|words|her\s+words|his\s+words)",
        r"\bworst\s+headache\s+of\s+my\s+life\b|\bthunderclap\b",
        r"\b(?:unconscious|unresponsive|not\s+responding|barely\s+responding)\b",
        r"\b(?:won'?t|wont|will\s+not|isn'?t|not)\s+wak(?:e|ing)\s+up\b|\bcan'?t\s+wake\s+(?:him"
        r"|her|them|my)\b",
        r"\b(?:having|has)\s+a\s+(?:heart\s+attack|stroke|seizure)\b|\bi\s+think\s+(?:i'?m|im"
        r"|he'?s|she'?s|\w+\s+is)\s+having\s+a\s+(?:heart\s+attack|stroke|seizure)",
        r"\bseizing\b|\bseizure\s+(?:for|that\s+won'?t\s+stop|won'?t\s+stop|isn'?t\s+stopping)"
        r"|\bconvulsing\b",
        r"\b(?:won'?t|wont|will\s+not|doesn'?t|isn'?t|not)\s+stop(?:ping)?\s+bleeding"
        r"|\bbleeding\s+(?:won'?t|wont|will\s+not)\s+stop",
        r"\bbleeding\s+(?:heavily|a\s+lot|badly|so\s+much|everywhere|profusely)|\bsoaking\s+(?:a"
        r"|one|through\s+a)\s+(?:pad|towel)",
        r"\b(?:vomiting|throwing\s+up|coughing\s+up|puking)\s+(?:up\s+)?(?:a\s+lot\s+of\s+)?blood"
        r"|\bblood\s+everywhere",
        rf"\b(?:swallowed|drank|drunk|got\s+into|chewed|ingested|ate)\s+(?:some\s+(?:of\s+)?"
        rf"|a\s+bunch\s+of\s+|a\s+handful\s+of\s+|a\s+lot\s+of\s+|several\s+|\d+\s+of\s+)(?:my\s+"
        rf"|his\s+|her\s+|the\s+)?(?:\w+\s+){{0,2}}?(?:{_PILLS}|bleach|detergent|dishwasher"
        rf"|battery|batteries|antifreeze|cleaner)",
        r"\b(?:swallowed|drank|drunk|got\s+into|ingested)\s+(?:a\s+|the\s+|some\s+)?(?:bleach"
        r"|detergent|dishwasher|laundry\s+pod|battery|batteries|button\s+battery|antifreeze"
        r"|cleaner)",
    ]
)
WEAK_EMERGENCY_EN = gated(
    [
        r"\bchest\s+(?:pain|pressure|tightness|is\s+(?:so\s+)?tight|so\s+tight|hurts"
        r"|feels\s+(?:tight|heavy))",
        r"\bradiat\w+|\b(?:goes|going|spreading)\s+(?:to|into)\s+my\s+(?:jaw|arm|back)"
        r"|\bleft\s+arm\b|\barm\s+is\s+numb|\bcrushing\b",
        r"\b(?:sweating|cold\s+sweat|clammy|sweaty)\b",
        r"\b(?:hard|trouble|difficulty|struggling)\s+(?:to\s+)?breath(?:e|ing)\b|\bwheezing\b",
        r"\b(?:face|tongue|lips)\s+(?:is\s+|are\s+)?swell(?:ing|en)\b|\ballergic\s+reaction\b"
        r"|\bepi\s?pen\b|\bhives\b",
        r"\basthma\s+attack\b",
        r"\b(?:inhaler|nebuli[sz]er|epi\s?pen|spray|puffer)\s+(?:is\s*n'?t|isnt|not|doesn'?t|does\s*n'?t|won'?t"
        r"|wont)\s+(?:\w+\s+)?(?:working|helping|help|work|doing\s+anything|do\s+anything)",
        r"\b(?:can'?t|cant|cannot)\s+catch\s+(?:my|his|her|their)\s+breath\b|\bgasping\b",
        r"\b(?:collapsed|passed\s+out|fainted)\b(?!\s+on\s+the\s+(?:sofa|couch|bed))|\bconfused\b",
        r"\b(?:shaking|trembling|shaky|shakey)\b",
        r"\b(?:not|isn'?t|isnt)\s+(?:coming|going)\s+up\b|\bwon'?t\s+(?:come|go)\s+up\b"
        r"|\b(?:and|still)\s+(?:falling|dropping)\b",
        _LOW_GLUCOSE,
        r"\bambulance\s+(?:is\s+)?(?:on\s+(?:its|the)\s+way|isn'?t\s+here|coming|en\s+route)"
        r"|\bcalled\s+(?:911|999|112|an\s+ambulance)",
        r"\b(?:right\s+now|for\s+the\s+(?:last|past)\s+\d+\s*(?:min|minutes|hours?)"
        r"|started\s+\d+\s*(?:min|minutes)\s+ago)",
        r"\b(?:arm|leg|side|face)\s+(?:is|went|goes)\s+(?:numb|weak|limp|dead)\b"
        r"|\bcan'?t\s+(?:move|feel)\s+(?:my|his|her)\s+(?:left|right|arm|leg|face)",
        rf"\bmy\s+{RELATIVE_EN}\s+(?:is|just|has)\b",
        r"\bheart\s+(?:is\s+)?(?:racing|pounding)\b|\b(?:going\s+to|about\s+to"
        r"|gonna)\s+(?:pass\s+out|faint)\b|\bfeel(?:ing)?\s+faint\b",
        r"\b(?:floppy|limp|hard\s+to\s+wake|won'?t\s+(?:feed|drink))\b|\b(?:rash"
        r"|spots)\s+(?:that\s+)?(?:doesn'?t|don'?t|won'?t)\s+fade|\bstiff\s+neck\b",
        r"\b(?:\d|1[0-2])\s*(?:weeks?|wks?|months?|mos?)[\s-]+old\b[^.]*\bfever\b",
    ]
)

SELF_HARM_RU = gated(
    [
        r"(?<![а-я])(?:хочу|хочется|хотелось\s+бы|хотела?\s+бы|собираюсь|решил[аи]?|готов[аы]?"
        r"|планирую|думаю|мечтаю)\s+(?:[а-я]+\s+){0,2}?(?:умереть(?!\s+от\s+(?:смеха|стыда|скуки))"
        r"|сдохнуть(?!\s+от\s+(?:смеха|скуки))|покончить|убить\s+себя|уйти\s+из\s+жизни"
        r"|свести\s+сч[её]ты|не\s+проснуться|исчезнуть\s+навсегда|выйти\s+в\s+окно|прыгнуть"
        r"|повеситься|отравиться|вскрыть|порезать\s+вены|наглотаться)",
        r"(?<![а-я])(?:покончить|покончу)\s+(?:с\s+собой|со\s+всем|с\s+этим\s+всем|с\s+жизнью)",
        r"(?<![а-я])(?:незачем|не\s+для\s+чего|не\s+за\s+чем)\s+(?:мне\s+)?(?:больше\s+)?жить"
        r"|(?<![а-я])зачем\s+мне\s+(?:дальше\s+|вообще\s+)?жить",
        r"(?<![а-я])(?:убью|убить)\s+себя",
        r"(?<![а-я])не\s+(?:хочу|хочется|хочеться)\s+(?:больше\s+|дальше\s+|вообще\s+)?жить"
        r"|жить\s+(?:совсем\s+|больше\s+)?не\s+(?:хочу|хочется)",
        r"нет\s+смысла\s+(?:жить|в\s+жизни|дальше\s+жить)|не\s+вижу\s+смысла\s+(?:жить|в\s+жизни"
        r"|дальше)|смысла\s+(?:жить\s+)?нет",
        r"(?:устал[аи]?|сил\s+нет|не\s+могу\s+больше)\s+жить",
        r"лучше\s+бы\s+я\s+(?:умерл|сдохл|не\s+родил)",
        r"уйти\s+из\s+жизни|свести\s+сч[её]ты\s+с\s+жизнью|всем\s+будет\s+лучше\s+без\s+меня",
        r"(?:у\s+меня\s+|есть\s+)?суицидальн\w+\s+мысл\w+|думаю\s+о\s+(?:суициде|смерти"
        r"|самоубийстве)|мысли\s+о\s+(?:суициде|самоубийстве)",
        r"(?:вскрыть|порезать|резать)\s+(?:себе\s+)?вены|режу\s+(?:себя|руки|вены)",
        r"(?:выйти|шагнуть|прыгнуть|выпрыгнуть|выброситься)\s+(?:в\s+окно|из\s+окна|с\s+крыши"
        r"|с\s+моста|с\s+балкона)",
        r"(?:сижу|стою)\s+на\s+(?:крыше|мосту|подоконнике|краю)",
        r"наглотал(?:ся|ась|ись)",
        r"(?:выпил[аи]?|выпью|съел[аи]?|приняла?|проглотил[аи]?)\s+(?:всю\s+|целую\s+)?(?:пачку"
        r"|упаковку|блистер|горсть|кучу|\d{2,}\s+(?:таблеток|штук))",
        r"выпью\s+(?:все|всю)\s+(?:таблетки|пачку|лекарства)",
    ]
)
FINALITY_RU = gated(
    [
        r"(?<![а-я])прощайте|(?<![а-я])прощай(?![а-я])|всем\s+пока|больше\s+не\s+напишу",
        r"всем\s+спасибо\s+за\s+вс[её]",
        r"(?:таблетки|таблеток|лекарства|лекарств)\s+(?:уже\s+)?(?:приготовил|собрал|накопил|припас"
        r"|купил)|(?:собрал|накопил|припас)[аи]?\s+(?:[а-я]+\s+)?(?:таблет|лекарств)"
        r"|(?:выпил[аи]?|приняла?"
        r"|выпью)\s+все\s+таблетки",
    ]
)
DISTRESS_RU = gated(
    [
        r"(?:устал[аи]?|надоело)\s+(?:бороться|от\s+всего)|сил\s+(?:больше\s+)?нет"
        r"|не\s+могу\s+больше",
        r"вс[её]\s+закончу|пусть\s+вс[её]\s+закончится|хочется\s+(?:просто\s+)?исчезнуть"
        r"|никому\s+не\s+нужн|(?<![а-я])обуз[аойу]",
        r"(?<![а-я])что\s+делать|помогите",
    ]
)
EMERGENCY_RU = gated(
    [
        r"не\s+могу\s+дышать(?!\s+носом)|задыха(?:юсь|ется|емся)|не\s+дышит|дышать\s+(?:тяжело"
        r"|не\s+могу|нечем)",
        r"(?:губы|лицо|кожа)\s+(?:синеют|посинел[аио]?|синие)|посинел[аио]?",
        r"без\s+сознания|не\s+(?:реагирует|приходит\s+в\s+себя|просыпается|могу\s+разбудить)",
        r"(?:перекосило|перекошено)(?:\s+лицо)?|лицо\s+перекосило",
        r"(?:речь|говорит)\s+(?:невнятн|путан)|не\s+может\s+говорить|рука\s+не\s+двигается",
        r"судорог\w*\s+(?:уже|не\s+проход|\d+\s+минут|сейчас)|судорог\w*\s+не\s+прекраща",
        r"(?:от[её]к|отекает|опухает|распухает)\s+(?:горл|язык|губ|лиц)\w*|(?:горло|язык"
        r"|губы)\s+(?:отекает|отекают|опухает|распухает|распух)",
        r"кровь\s+не\s+останавливается|хлещет\s+кровь|кровь\s+(?:[а-я]+\s+){0,2}хлещет|рв(?:ота"
        r"|ет)\s+кровью|кровотечение\s+не\s+останавлива",
        r"(?:у\s+меня|у\s+него|у\s+не[её]|кажется|похоже)\s+(?:инсульт|инфаркт|анафилакс)"
        r"|(?:инсульт|инфаркт)\w*\s+(?:кажется|похоже)",
        r"(?:выпил[аи]?|съел[аи]?|проглотил[аи]?)(?!\s+(?:одну|две|2|1|лишн\w*|вторую|двойную"
        r"|полторы|по\s+ошибке)(?![а-я0-9]))\s+(?:мои|мою|наши|[а-я]+)?\s*(?:таблетки"
        r"|лекарства|батарейку|средство\s+для)",
    ]
)
WEAK_EMERGENCY_RU = gated(
    [
        r"(?:боль|давит|жжет|жжение|давление)\s+в\s+груди|грудь\s+(?:болит|давит|сдавливает)"
        r"|за\s+грудиной|давящ\w+\s+боль",
        r"отда[её]т\s+в\s+(?:левую\s+)?(?:руку|челюсть|лопатку)|немеет\s+(?:рука|нога|лицо)"
        r"|весь\s+(?:мокрый|в\s+поту)|холодный\s+пот",
        r"хрипит|тряс(?:ет|утся|усь|ется)|дрожат|путаюсь|спутанн",
        r"не\s+поднимается|продолжает\s+падать",
        _LOW_GLUCOSE,
        r"вызвал[аи]?\s+скорую|скорая\s+едет|ждем\s+скорую|ждём\s+скорую",
        r"потерял[аи]?\s+сознание|упал[аи]?\s+в\s+обморок",
        r"(?:уже\s+)?(?:полчаса|час|\d+\s+минут|минут\s+\d+)(?![а-я])|(?:прямо\s+)?сейчас",
        r"(?:ингалятор|нитроглицерин|нитроспрей|спрей|сальбутамол|вентолин|беродуал)\w*\s+не\s+помога"
        r"|астм",
    ]
)

_LONG_PAST = GatedPattern(
    r"\b(?:\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|few|couple(?:\s+of)?|many"
    r"|several)\s+(?:years?|yrs?|months?|weeks?|decades?)\s+ago\b"
    r"|\bback\s+(?:in|when|then)\b|\bin\s+(?:19|20)\d\d\b|\blast\s+(?:year|month|week|spring"
    r"|summer|winter|fall|autumn|time)\b"
    r"|\bused\s+to\b|\bwhen\s+i\s+was\b|\bas\s+a\s+(?:teen|teenager|kid|child)\b"
    r"|\bin\s+my\s+(?:teens|twenties|thirties|20s|30s|youth)\b"
    r"|\b(?:years?|months?)\s+(?:clean|free|sober)\b|\bsurviv(?:or|ed)\b|\bat\s+the\s+time\b"
    r"|\bi\s+was\s+(?:suicidal|in\s+a\s+dark)"
    r"|(?:\d+|два|две|три|пять|несколько|много|пару)\s+(?:лет|года?|месяц\w*|недел\w+)\s+назад"
    r"|(?<![а-я])год\s+назад|(?<![а-я])раньше(?![а-я])"
    r"|в\s+прошлом(?:\s+году)?|на\s+прошлой\s+неделе|в\s+прошлом\s+месяце|когда-то|в\s+(?:19"
    r"|20)\d\d|в\s+юности|в\s+детстве|в\s+молодости"
    r"|пыталас[ья]|пытался|(?<![а-я])был[аио]?\s+(?:депресси|мысл|попытк|инфаркт|приступ)"
)
_HYPOTHETICAL = GatedPattern(
    r"\bif\s+(?:someone|anyone|you|a\s+person|your|they|people|the\s+person|a\s+child|a\s+baby)\b"
    r"|\bwhen\s+(?:someone|you)\b"
    r"|\b(?:signs|symptoms)\s+of\b|\bsuch\s+as\b|\bis\s+\w+\s+(?:a\s+)?(?:common\s+)?side\s+effect"
    r"|\bcan\s+\w+\s+cause\b"
    r"|(?:если|при)\s+(?:у\s+)?(?:вас|вы|ребенка|человека|кто-то|внезапн\w+|температуре|боли)"
    r"|\b(?:when|after|while)\s+(?:i\s+)?(?:walk|climb|exercis|run|go\s+up|lying|lie)\w*"
    r"|при\s+(?:ходьбе|подъеме|нагрузке|беге|физическ)"
)
_OTHERS_QUESTION = GatedPattern(
    r"\b(?:has|does|did|do)\s+anyone\b|\banyone\s+else\b|у\s+кого-(?:нибудь|то)"
)
_REPORTED = GatedPattern(
    r"\basked\s+(?:me\s+)?(?:if|whether|about)\b|\bscreening\s+(?:question|for)\b"
    r"|\b(?:reading|read|article|news|documentary|statistics)\s+(?:about|on)\b"
    r"|(?<![а-я])спрашива\w+\s+(?:нет\s+ли|есть\s+ли|не\s+)|(?<![а-я])спросил\w*\s+(?:нет\s+ли|есть\s+ли)"
)
_NEGATED_BEFORE = re.compile(
    r"(?:\b(?:not|never|no|nor)|n't|(?<![а-я])(?:не|нет|ни))\s+(?:\w+\s+)?$"
)


def _active(post: Post, match: re.Match[str], *, emergency: bool) -> bool:
    """Whether a cue speaks of now, not of the past, a negation or a hypothetical."""
    sentence = post.sentence_at(match.start())
    if _LONG_PAST.search(sentence) or _REPORTED.search(sentence):
        return False
    before = post.folded[max(0, match.start() - 14) : match.start()]
    if _NEGATED_BEFORE.search(before) and not match.group(0).startswith(
        ("не ", "no ", "don", "not ")
    ):
        return False
    return not (emergency and (_HYPOTHETICAL.search(sentence) or _OTHERS_QUESTION.search(sentence)))


def _hits(
    post: Post, patterns: tuple[GatedPattern, ...], *, emergency: bool
) -> list[re.Match[str]]:
    return [
        m
        for p in runnable(patterns, post.indexed)
        for m in p.regex.finditer(post.folded)
        if _active(post, m, emergency=emergency)
    ]


def _self_harm(post: Post) -> list[re.Match[str]]:
    strong, finality, distress = SELF_HARM_EN, FINALITY_EN, DISTRESS_EN
    if post.has_cyrillic:
        strong, finality, distress = (
            strong + SELF_HARM_RU,
            finality + FINALITY_RU,
            distress + DISTRESS_RU,
        )
    hits = _hits(post, strong, emergency=False)
    if hits:
        return hits
    final_hits = _hits(post, finality, emergency=False)
    weak_hits = final_hits + _hits(post, distress, emergency=False)
    return weak_hits if final_hits and len({m.re.pattern for m in weak_hits}) >= 2 else []


def _emergency(post: Post) -> list[re.Match[str]]:
    strong, weak = EMERGENCY_EN, WEAK_EMERGENCY_EN
    if post.has_cyrillic:
        strong, weak = strong + EMERGENCY_RU, weak + WEAK_EMERGENCY_RU
    hits = _hits(post, strong, emergency=True)
    if hits:
        return hits
    weak_hits = _hits(post, weak, emergency=True)
    return weak_hits if len({m.re.pattern for m in weak_hits}) >= 2 else []


def detect_urgent(post: Post) -> tuple[Span, ...]:
    """Spans of crisis language: intent to self-harm or an emergency now."""
    spans = {Span(m.start(), m.end(), "self_harm") for m in _self_harm(post)}
    spans |= {Span(m.start(), m.end(), "emergency") for m in _emergency(post)}
    return tuple(sorted(spans, key=lambda s: (s.start, s.end)))
