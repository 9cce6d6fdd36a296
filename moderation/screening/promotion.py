"""The promotion detector: selling, discount codes, affiliate links and paid programmes."""

from __future__ import annotations

import re

from community.screening import Span

from .gate import gated, runnable
from .text import Post

_PRICE = (
    r"(?:[$£€₽]\s?\d+(?:[.,]\d+)?|\d+(?:[.,]\d+)?\s?(?:\$|usd|dollars|£|€|eur|руб\w*|р\.?(?![а-я])"
    r"|₽|тыс(?:яч)?\.?(?:\s+руб\w*)?))"
)
_CONTACT_ME = r"(?:dm|pm|message|inbox|text|whatsapp|contact|email|e-mail|call|msg)\s+(?:me|us)"

# Each of these alone is a commercial offer.
STRONG = gated(
    [
        r"\b(?:promo|discount|coupon|voucher|referral|affiliate|invite)\s*(?:code|link)s?\b"
        r"|\buse\s+(?:my\s+|the\s+)?code\b|\bat\s+checkout\b",
        r"\baffiliate\b|\buse\s+my\s+(?:referral|link)\b|\bsign\s+up\s+(?:under|with"
        r"|through)\s+(?:me|my\s+link)",
        r"\b(?:buy|get)\s+(?:one|\d)\s+get\s+(?:one|\d)\b|\bearly\s+bird\b"
        r"|\bwith\s+(?:the\s+)?code\s+[a-z0-9]{3,}\b",
        r"\bwho\s+wants\s+(?:to|a|an|some)\b[^.?!]*[.?!]?\s*\b(?:dm|pm|message|inbox)\s+me\b"
        r"|(?<![а-я])кто\s+хочет\s+(?:так\s+же|также|тоже)[^.]*пишите",
        r"\bon\s+(?:our|my)\s+(?:website|site|store|shop)\b|на\s+(?:нашем|моем|моём)\s+сайте",
        r"\bfor\s+sale\b|\bi(?:'?m|\s+am)?\s+selling\b|\bi\s+sell\b"
        r"|\bselling\s+(?:my\s+)?(?:leftover|unopened|spare|\d+|a\s+few|some)\b|\bwe\s+(?:sell"
        r"|ship)\b",
        r"\bships?\s+(?:worldwide|anywhere|internationally|to\s+all)\b|\bwholesale\b|\bobo\b",
        rf"\blink\s+in\s+(?:my\s+)?(?:bio|profile)\b|\b{_CONTACT_ME}\s+(?:for|to\s+(?:order|book"
        rf"|buy|get)|if\s+you\s+want\s+(?:to\s+(?:buy|order)|one|some|the\s+link))\b",
        r"\b(?:dm|pm|whatsapp|inbox)\s+(?:for|me\s+for)\s+(?:info|details|prices?|the\s+link"
        r"|orders?)\b|\b(?:dm|pm)\s+me\b.*\b(?:team|business|income|earn|order|price)",
        r"\b(?:buy|order|shop|book)\s+(?:now|here|online|today|at\s+(?:www|http|our|my))\b"
        r"|\bclick\s+(?:here|the\s+link)\b",
        r"\b(?:call|text|order)\s+(?:[\d\s()+-]{7,}\s*)?(?:now|today)\b|\border\s+(?:yours|one"
        r"|some)\b|\b(?:whatsapp|call|text|dm|pm|message|email)\b[^.]{0,30}\bto\s+(?:order|buy"
        r"|book)\b",
        r"\b(?:make|earn|making|earning)\s+(?:money|\$\d|£\d|extra\s+income|an?\s+income)"
        r"|\bfrom\s+home\b.*\b(?:earn|money|income|selling)\b|\bask\s+me\s+how\b"
        r"|\bpassive\s+income\b|\bbe\s+your\s+own\s+boss\b|\bbusiness\s+opportunity\b"
        r"|\blooking\s+for\s+team\s+members\b",
        r"\b(?:plexus|doterra|young\s+living|herbalife|arbonne|isagenix|monat|amway|it\s+works"
        r"|juice\s+plus|forever\s+living)\b.*\b(?:ambassador|advocate|distributor|rep|order"
        r"|message|discount|sign|join|team|under\s+me)",
        r"\b(?:ambassador|distributor|wellness\s+advocate|independent\s+(?:rep"
        r"|consultant))\b.*\b(?:message|order|dm|pm|join|discount)",
        r"\b(?:no|without\s+(?:a\s+)?)\s*(?:prescription|rx|script)\s+(?:needed|required)?\b.*\b(?:order"
        r"|buy|ship|cheap|price|deliver\w*|whatsapp|telegram|dm|pm|message|inbox)"
        r"|\bcheap\s+(?:meds|pills|tramadol|oxy\w*|xanax|ozempic)\b"
        r"|\b(?:fast|discreet|quick|express)\s+(?:delivery|shipping)\b",
        # A pitch kept off the page: "not allowed to say here but dm me", "mention this group".
        r"\bnot\s+allowed\s+to\s+(?:say|post|share|name|mention|link)\b[^.]*?\b(?:dm|pm|message"
        r"|inbox)\b|\b(?:something|a\s+product|stuff|a\s+thing)\s+that\s+(?:\w+\s+)?(?:helped"
        r"|works|changed|fixed|cured)\b.{0,60}?\b(?:dm|pm|inbox|message)\s+me\b",
        r"\bmention\s+(?:this\s+(?:group|post|page)|my\s+name|me|the\s+code)\s+(?:for|to\s+get)\b"
        r"|[$£€]\s?\d+\s+off\s+(?:your|the)\s+first\b",
        r"\b(?:anyone|who|whoever|if\s+you)\s+(?:wants?|interested\s+in)\s+(?:to\s+)?(?:buy|order"
        r"|purchase)\b|(?<![а-я])кто\s+хочет\s+(?:купить|заказать|приобрести)",
        r"\b(?:join|sign\s+up\s+for|enrol+\s+in|register\s+for|book)\s+(?:my"
        r"|our)\s+(?:\w+\s+){0,4}?(?:program(?:me)?|course|coaching|masterclass|challenge"
        r"|sessions?|consultations?|protocol|membership)\b",
        r"\bmy\s+(?:paid|online|\d+[\s-]week|coaching)\s+(?:\w+\s+){0,2}?(?:program(?:me)?|course"
        r"|group|coaching)|\bcoaching\s+program(?:me)?\b|\bpaid\s+(?:\w+\s+)?(?:program(?:me)?"
        r"|group|course)\b",
        r"\bprivate\s+consultations?\b|\bfirst\s+(?:visit|session|consultation|appointment"
        r"|month)\s+(?:is\s+)?(?:free|half\s+price|\d+\s?%)|\bfree\s+(?:discovery"
        r"|strategy)\s+call\b",
        r"\bamzn\.to/|\bamazon\.com/[^\s]*(?:tag|ref)=|[?&](?:ref|aff|affid|tag)=|\betsy\.com/shop"
        r"|\b(?:my|our)\s+(?:etsy\s+)?(?:shop|store|online\s+shop)\b",
        rf"(?:\bonly|\bjust)\s+{_PRICE}|{_PRICE}\s*(?:each|a\s+bottle|per\s+bottle|/\s?(?:hr|hour"
        rf"|session)|per\s+(?:session|hour))\b",
        r"\b(?:limited\s+(?:offer|time|spots|seats)|(?:spots|seats|stocks?|places)\s+(?:are\s+"
        r"|is\s+)?limited|today\s+only|this\s+week\s+only|while\s+stocks\s+last)\b",
        r"\bwho\s+wants\s+a\s+free\s+sample\b|\bfree\s+samples?\b.*\b(?:dm|pm|message)",
        r"(?<![а-я])промо-?код|реферальн\w+\s+ссылк|(?:ссылк\w+|ссылочк\w+)\s+в\s+(?:профиле|шапке"
        r"|био|описании)",
        r"(?<![а-я])(?:продаю|продам|продается|продаётся|распродажа|оптом"
        r"|по\s+себестоимости)(?![а-я])",
        r"подробност\w*\s+в\s+(?:лс|личк\w+|директ\w*|личн\w+\s+сообщени\w+)|в\s+(?:лс|личке"
        r"|директе)\s+подробност",
        r"(?:писать|пишите)\s+в\s+(?:телеграм\w*|вотсап|ватсап|whatsapp|вайбер)",
        r"(?<![а-я])(?:платн\w+\s+(?:консультаци|прием|курс|марафон|вебинар)"
        r"|стоимость\s+(?:участия|консультации|курса|приема)|первый\s+прием\s+(?:бесплатно"
        r"|со\s+скидкой))",
        r"(?<![а-я])(?:мой|мою|моем|моём)\s+(?:курс|марафон|интенсив|вебинар|центр|клуб"
        r"|магазин)\w*|(?<![а-я])наш\w*\s+(?:магазин|курс|марафон|интенсив)\w*",
        r"(?:зарабатывать|заработок|доход\s+от|партнер\w*\s+(?:компании|в\s+бизнес)"
        r"|ищу\s+партнер\w*)",
        r"(?:скидк\w+|скидочк\w+)\s+(?:\d+\s?%|по\s+(?:моей\s+)?ссылке|только\s+сегодня|постоянным"
        r"|для\s+(?:участников|группы))|\d+\s?%\s+скидк|со\s+скидкой\s+\d"
        r"|могу\s+оформить\s+со\s+скидкой",
        rf"(?:без\s+рецепта)[^.]*(?:пишите|закаж|достав|цена|{_PRICE})|(?:кому\s+нужен"
        rf"|кому\s+нужна|кому\s+нужны)[^.]*(?:пишите|в\s+лс|в\s+телеграм)",
        r"(?:по\s+(?:моей\s+)?ссылке|переходите\s+по\s+ссылке)[^.]*(?:скидк|закаж|куп|получите)"
        r"|(?:всего\s+за|цена|стоимость)\s+\d",
        r"(?<![а-я])оплат\w*\s+(?:по\s+ссылке|на\s+карту|в\s+(?:лс|личке|директ))"
        r"|(?<![а-я])авторск\w+\s+(?:курс|марафон|метод\w*|программ\w*|методик\w*)"
        r"|(?<![а-я])приглашаю\s+(?:на|в)\s+(?:мой\s+|наш\s+|свой\s+)?(?:[а-я]+\s+)?(?:марафон|курс"
        r"|вебинар|интенсив|клуб|программ|школ)",
        r"(?<![а-я])(?:отдам|отдаю)\s+(?:за\s+(?:символическ\w+\s+)?(?:сумм|деньг|\d|плат)|недорого"
        r"|дешево|дёшево)",
        rf"{_PRICE}\s*(?:за|/)\s*(?:упаковку|уп\.?|штуку|шт\.?|бутылку|банку|флакон|шприц|ручку"
        rf"|курс|пачку|коробку)(?![а-я])",
    ]
)
# Each of these is ordinary in a patient's post; two together make an offer.
WEAK = gated(
    [
        _PRICE,
        r"\b\d{1,2}\s?%\s*off\b|\bhalf\s+price\b|\bper\s+(?:month|bottle|box)\b|/\s?(?:month|mo)\b",
        r"(?<![а-я])(?:закажите|заказывайте|закажи|купите|покупайте|приобретайте"
        r"|записывайтесь)(?![а-я])",
        r"\b(?:free\s+(?:shipping|delivery|trial|consultation|webinar))\b|доставк\w*"
        r"|бесплатн\w+\s+(?:доставк|консультац|первый)",
        r"\b(?:discount|deal|offer|sale|coupon)\b|скидк\w*",
        r"\b(?:dm|pm|inbox|message)\s+me\b|пишите(?![а-я])|в\s+(?:лс|личку|директ)|\blink\s+(?:in"
        r"|below)\b|\bin\s+(?:the\s+)?comments\b",
        r"\bhttps?://|\bwww\.|\b\w+\.(?:com|net|shop|store|biz)\b|ссылк\w+",
        r"\b(?:supplements?|gummies|oils?|tea|capsules|cbd|detox)\b|(?:бад\w*|чай|масл\w+"
        r"|продукци\w+|настойк\w+)",
        r"(?<![а-я])в\s+нашем\s+(?:центре|медцентре|клинике|салоне|кабинете)|\bour\s+(?:clinic|center"
        r"|centre)\s+(?:offers|does)\b",
        r"(?<![а-я])акци[яи]\s+(?:до|только|действует)|\blimited\s+offer\b",
        r"(?<![а-я])запис\w+\s+по\s+телефону|\bbook\s+(?:by\s+phone|your\s+(?:slot|place|spot))\b",
        r"\bnewsletter\b|\bsubscribe\b|\bmy\s+(?:website|book|ebook|podcast|channel)\b|недорого"
        r"|цен[аы]",
    ]
)
# Sharing how one saved on one's own medicine is not selling.
_SAVING_TIP = re.compile(
    r"\b(?:insurance|copay|co-pay|goodrx|medicare|medicaid|nhs|pharmacy|costco|manufacturer)\b"
    r"|льгот|пенсионер|аптек"
)


def detect_promotion(post: Post) -> tuple[Span, ...]:
    """Spans of commercial offers: sales, codes, affiliate links, paid programmes."""
    text = post.folded
    spans = [Span(m.start(), m.end(), "promotion")
             for p in runnable(STRONG, post.indexed) for m in p.regex.finditer(text)]
    if not spans:
        weak = [(p, m) for p in runnable(WEAK, post.indexed) for m in p.regex.finditer(text)]
        if len({p.pattern for p, _ in weak}) >= 2 and not _SAVING_TIP.search(text):
            spans = [Span(m.start(), m.end(), "promotion") for _, m in weak]
    return tuple(sorted(set(spans), key=lambda s: (s.start, s.end)))
