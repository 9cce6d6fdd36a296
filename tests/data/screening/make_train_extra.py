"""Build `train_extra.jsonl`: paraphrase families for training the screening model.

Deterministic (fixed seed). Each family is a hand-written set of sentence frames in one
language with slots (drugs, relatives, doses, symptoms), rendered in one of six voices (texting:
lowercase, maybe a typo and emoji; careful and capitalised; slang tags; caregiver ellipses;
exclamations; plain) and sometimes buried inside a longer post between neutral context
sentences. Each hard-negative frame is rendered six times, each positive frame five (three for
identifying), so about half the items carry no label.
No frame copies a phrasing from `holdout.jsonl` or `fresh4.jsonl` (the sets kept for measuring).

Run from the repository root: `python tests/data/screening/make_train_extra.py`.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

OUT = Path(__file__).with_name("train_extra.jsonl")
R = random.Random(20261125)

DRUGS = [
    "metformin",
    "methotrexate",
    "prednisone",
    "sertraline",
    "levothyroxine",
    "humira",
    "lisinopril",
    "gabapentin",
    "amitriptyline",
    "ozempic",
    "warfarin",
    "eliquis",
    "hydroxychloroquine",
    "pregabalin",
    "propranolol",
    "insulin",
    "lamotrigine",
    "ibuprofen",
    "naproxen",
    "omeprazole",
    "tramadol",
    "duloxetine",
    "mesalamine",
    "azathioprine",
    "atorvastatin",
    "amlodipine",
    "venlafaxine",
    "topiramate",
    "sumatriptan",
    "plaquenil",
]
DRUGS_RU = [
    "метформин",
    "метотрексат",
    "преднизолон",
    "сертралин",
    "эутирокс",
    "лирику",
    "конкор",
    "варфарин",
    "ксарелто",
    "габапентин",
    "амитриптилин",
    "нурофен",
    "омепразол",
    "азатиоприн",
    "аторвастатин",
    "ламотриджин",
    "трамал",
    "салофальк",
    "плаквенил",
    "инсулин",
    "фенибут",
    "метипред",
    "L-тироксин",
    "диклофенак",
]
REL = [
    "husband",
    "wife",
    "son",
    "daughter",
    "mom",
    "dad",
    "grandma",
    "partner",
    "toddler",
    "boyfriend",
    "sister",
    "brother",
    "baby",
    "father in law",
    "nan",
]
REL_RU = [
    "муж",
    "жена",
    "сын",
    "дочь",
    "мама",
    "папа",
    "бабушка",
    "ребенок",
    "дедушка",
    "свекровь",
    "брат",
    "сестра",
    "малыш",
    "парень",
]
REL_RU_GEN = [
    "мужа",
    "жены",
    "сына",
    "дочери",
    "мамы",
    "папы",
    "бабушки",
    "ребенка",
    "дедушки",
    "свекрови",
    "брата",
    "сестры",
    "малыша",
]
COND = [
    "RA",
    "lupus",
    "crohns",
    "MS",
    "fibro",
    "type 2",
    "POTS",
    "UC",
    "psoriatic arthritis",
    "hypothyroidism",
    "long covid",
    "endo",
    "migraines",
    "COPD",
    "epilepsy",
    "bipolar",
]
COND_RU = [
    "РА",
    "волчанка",
    "Крона",
    "РС",
    "фибромиалгия",
    "диабет 2 типа",
    "гипотиреоз",
    "ЯК",
    "псориатический артрит",
    "мигрени",
    "эпилепсия",
    "астма",
    "ХОБЛ",
]
SYMPT = [
    "dizzy spells",
    "nausea",
    "hair falling out",
    "a rash on my arms",
    "insomnia",
    "heart racing",
    "ankle swelling",
    "brain fog",
    "joint pain",
    "night sweats",
    "tingling hands",
    "stomach cramps",
    "headaches every day",
    "weight gain",
]
SYMPT_RU = [
    "головокружение",
    "тошнота",
    "выпадают волосы",
    "сыпь на руках",
    "бессонница",
    "сердцебиение",
    "отеки ног",
    "туман в голове",
    "боли в суставах",
    "потливость ночью",
    "онемение пальцев",
    "спазмы в животе",
    "головная боль каждый день",
]
DOSE = [
    "5mg",
    "10 mg",
    "20mg",
    "25 mcg",
    "50mcg",
    "75 mg",
    "100mg",
    "200 mg",
    "500mg",
    "1000 mg",
    "2.5mg",
    "15mg",
    "40 mg",
    "0.5mg",
    "1 mg",
]
DOSE_RU = [
    "5 мг",
    "10мг",
    "20 мг",
    "25 мкг",
    "50мкг",
    "75 мг",
    "100 мг",
    "500мг",
    "1000 мг",
    "2,5 мг",
    "15 мг",
    "0,5 мг",
    "1 мг",
]
LAB = [
    ("TSH", ["0.2", "6.8", "9.1", "11"]),
    ("A1c", ["7.9", "8.4", "6.2", "9.5"]),
    ("INR", ["4.2", "1.4", "3.8"]),
    ("ferritin", ["8", "11", "450"]),
    ("potassium", ["5.9", "3.1"]),
    ("eGFR", ["38", "52"]),
    ("vit d", ["12", "18"]),
    ("CRP", ["45", "22"]),
    ("ALT", ["120", "88"]),
]
LAB_RU = [
    ("ТТГ", ["0,2", "6,8", "9,1"]),
    ("гликированный", ["7,9", "8,4"]),
    ("МНО", ["4,2", "3,8"]),
    ("ферритин", ["8", "11"]),
    ("калий", ["5,9", "3,1"]),
    ("витамин Д", ["12", "18"]),
    ("СРБ", ["45", "22"]),
    ("гемоглобин", ["85", "92"]),
    ("сахар", ["11,2", "13"]),
]
SPEC = [
    "rheumatologist",
    "GP",
    "neurologist",
    "endo",
    "cardiologist",
    "gastro",
    "psychiatrist",
    "dermatologist",
    "nurse",
    "pharmacist",
    "pain doctor",
]
SPEC_RU = [
    "ревматолог",
    "терапевт",
    "невролог",
    "эндокринолог",
    "кардиолог",
    "гастроэнтеролог",
    "психиатр",
    "дерматолог",
    "участковый",
    "педиатр",
]
TEST = ["colonoscopy", "MRI", "sleep study", "bone density scan", "echo", "biopsy", "CT scan"]
TEST_RU = ["колоноскопия", "МРТ", "гастроскопия", "УЗИ щитовидки", "биопсия", "КТ", "холтер"]
AGE = ["3", "4", "6", "9", "12", "15", "2"]
CODE = ["WELL20", "HEALNOW", "GUTFIX15", "LUPUSWARRIOR", "SAVE30", "KETO10", "ZEN25", "FLARE40"]
CODE_RU = ["ZDOROVO20", "SKIDKA15", "DETOX30", "VITA10", "LEGKO25", "MAMA20"]
PRICE = ["$49", "$97", "$150", "$299", "$25", "$400", "£60", "£199"]
PRICE_RU = ["1500 р", "2990 руб", "500р", "4900 рублей", "3000 ₽", "990 руб"]
PROD = [
    "collagen powder",
    "CBD oil",
    "detox tea",
    "mushroom gummies",
    "essential oils",
    "gut reset shakes",
    "anti-inflammatory supplement",
    "magnesium spray",
    "keto drops",
]
PROD_RU = [
    "коллаген",
    "масло CBD",
    "детокс-чай",
    "БАДы",
    "эфирные масла",
    "спирулину",
    "коктейли для похудения",
    "магний в спрее",
]
EMOJI = ["😭", "🙏", "😔", "💔", "🥺", "😩", "😬", "🤷‍♀️", "😢", "💜", "😅", "🙃", "🤔"]

CTX_EN = [
    "long time lurker, first post.",
    "diagnosed with {cond} in 2017.",
    "sorry this is long.",
    "i've had {cond} for about six years now.",
    "work has been brutal lately.",
    "the weather here has been awful all week.",
    "my {spec} is great but hard to reach.",
    "i'm 43 and have been on {drug} for a while.",
    "we moved house last month.",
    "thanks to everyone who replied to my last post.",
    "i've read this group for ages.",
    "background: {cond}, plus anxiety.",
    "feeling a bit better than last month honestly.",
    "so here's where things stand.",
    "it's been a rough winter.",
    "my kids are at school so i finally have a minute.",
    "not sure if this is the right place.",
    "I appreciate this community so much.",
    "Mod please delete if not allowed.",
    "i keep a symptom diary, it helps.",
    "infusion day was yesterday.",
    "just got back from the pharmacy.",
    "anyway, enough rambling.",
]
CTX_RU = [
    "давно читаю группу, пишу впервые.",
    "диагноз {cond} с 2016 года.",
    "извините за длинный пост.",
    "мне 52, принимаю {drug} уже несколько лет.",
    "на работе завал, сил мало.",
    "погода скачет, суставы ноют.",
    "мой {spec} хороший, но к нему не попасть.",
    "спасибо всем, кто ответил в прошлый раз.",
    "в общем ситуация такая.",
    "живем в области, до города далеко.",
    "веду дневник самочувствия.",
    "вчера была на капельнице.",
    "зима выдалась тяжелая.",
    "не знаю, туда ли пишу.",
    "модераторы, удалите если не по теме.",
    "дети в школе, наконец-то есть минутка.",
    "только что из аптеки.",
    "ладно, это лирика.",
    "очень благодарна этой группе.",
]


def fill(s: str, ru: bool) -> str:
    """Fill {slot} placeholders with random values; repeated slots get the same value."""
    seen: dict[str, str] = {}

    def rep(m: re.Match[str]) -> str:
        key = m.group(1)
        if key in seen:
            return seen[key]
        base = key.rstrip("0123456789")
        pools = {
            "drug": DRUGS_RU if ru else DRUGS,
            "rel": REL_RU if ru else REL,
            "relg": REL_RU_GEN,
            "cond": COND_RU if ru else COND,
            "sym": SYMPT_RU if ru else SYMPT,
            "dose": DOSE_RU if ru else DOSE,
            "spec": SPEC_RU if ru else SPEC,
            "test": TEST_RU if ru else TEST,
            "age": AGE,
            "code": CODE_RU if ru else CODE,
            "price": PRICE_RU if ru else PRICE,
            "prod": PROD_RU if ru else PROD,
            "n": ["2", "3", "4", "5", "6", "10", "12", "15"],
            "nn": ["10", "14", "20", "25", "30", "40"],
        }
        if base == "lab":
            name, vals = R.choice(LAB_RU if ru else LAB)
            seen[key] = f"{name} {R.choice(vals)}"
        else:
            seen[key] = R.choice(pools[base])
        return seen[key]

    return re.sub(r"\{(\w+)\}", rep, s)


def typo(s: str) -> str:
    words = s.split(" ")
    for _ in range(R.randint(1, 2)):
        i = R.randrange(len(words))
        w = words[i]
        if len(w) > 4 and w.isalpha():
            j = R.randrange(1, len(w) - 2)
            words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2 :]
    return " ".join(words)


def voice(s: str, ru: bool, v: int) -> str:
    """Render one sentence in one of six voices."""
    if v == 0:  # texting: lowercase, no full stops, maybe emoji and a typo
        s = s.lower().replace(".", "").replace("?", R.choice(["?", "??", ""]))
        if R.random() < 0.4:
            s = typo(s)
        if R.random() < 0.4:
            s += " " + R.choice(EMOJI)
    elif v == 1:  # careful, capitalised
        s = s[0].upper() + s[1:]
        if s[-1] not in ".?!":
            s += "."
    elif v == 2:  # slang tags
        tags = (
            ["ngl", "tbh", "idk", "lol", "fr", "rn", "smh"]
            if not ru
            else ["чо", "короче", "блин", "капец", "ппц", "норм"]
        )
        s = (R.choice(tags) + " " + s) if R.random() < 0.5 else (s + " " + R.choice(tags))
    elif v == 3:  # elderly / caregiver: ellipses
        s = s.replace(", ", "... ")
        if R.random() < 0.5:
            s = s[0].upper() + s[1:]
    elif v == 4:  # shouty / exclamation
        s = s + R.choice(["!!", "!", " !!!", "?!"]) if s[-1] not in "?!" else s
    return s


def render(frame: str, ru: bool) -> str:
    key = fill(frame, ru)
    v = R.randrange(6)
    key = voice(key, ru, v)
    if R.random() < 0.35:  # bury the key sentence in a longer post
        ctx = CTX_RU if ru else CTX_EN
        before = [fill(R.choice(ctx), ru) for _ in range(R.randint(0, 2))]
        after = [fill(R.choice(ctx), ru) for _ in range(R.randint(0, 2))]
        if v == 0:
            before = [b.lower().rstrip(".") for b in before]
            after = [a.lower().rstrip(".") for a in after]
        key = " ".join([*before, key, *after])
    return key


# (frames, labels, role, venues, lang)
FAMILIES: list[tuple[list[str], list[str], str, list[str], str]] = []


def fam(labels: str, role: str, lang: str, venues: str, frames: str) -> None:
    FAMILIES.append(
        (
            [f.strip() for f in frames.strip().split("\n") if f.strip()],
            [x for x in labels.split(",") if x],
            role,
            venues.split(","),
            lang,
        )
    )


# ---------------------------------------------------------------- urgent, English
fam(
    "urgent",
    "patient",
    "en",
    "discussion",
    """
i don't see the point in waking up tomorrow, i'm going to make sure i don't
i have been stockpiling my {drug} and tonight i'm taking all of it
everyone would be better off without me, i've made up my mind
i'm sitting here with a blade and i really want to use it
i wrote goodbye letters to my kids tonight. i'm so sorry
can't do this anymore. going to unalive myself after everyone's asleep
swallowed maybe {nn} {drug} about half an hour ago and now i feel weird
i just want to stop existing. today is the day
i keep staring at the bottle of {drug} and counting them out
the urge to hurt myself is so strong right now i can't fight it
i'm at the train station and i'm thinking of stepping in front of one
i'm so done. i'm going to end my life this weekend, i have a plan
i cut deep tonight and it won't stop bleeding
i don't want to be alive anymore and i'm scared of what i'll do
i have the cord tied, i just wanted someone to know
this is my last post, thank you all, i'm taking the pills now
i'm suicidal right now and i don't know who else to tell
i feel like killing myself every single minute today
drove to the cliffs. sitting in the car deciding
i overdosed on my {drug} like 20 min ago please dont hate me
""",
)
fam(
    "urgent",
    "patient",
    "en",
    "discussion,ask_a_clinician",
    """
my {rel} just collapsed and isn't responding, i'm on the floor with them
my {rel}'s face is drooping on one side and the words are coming out wrong, started minutes ago
{rel} is having a fit and it's been going on over 6 minutes, it won't stop
my throat is tightening after the {drug}, my tongue is swelling and i can hardly breathe
i'm having crushing pain in my chest going down my left arm and i'm sweating buckets
my {rel} is gasping and their lips have gone grey
i'm bleeding so heavily i've soaked through {n} pads in an hour and i feel faint
{rel}'s sugar is 2.2 and juice isn't bringing it up, he's getting confused
my {age} year old just drank some of the bleach from under the sink
my toddler swallowed a button battery about 10 minutes ago
found my {rel} on the bathroom floor, can't wake them up
my {rel} took a whole box of his {drug} and is getting drowsy
i can't breathe properly, my inhaler is doing nothing and it's getting worse fast
my {rel}'s arm and leg suddenly went weak and she can't lift them
baby has gone floppy and very pale and won't wake properly
bp is 230/130 right now with the worst headache of my life and blurry vision
{rel} hit his head, now vomiting and not making sense
my {rel} got stung and her face is swelling up fast, she's wheezing
""",
)
fam(
    "urgent,advice_request",
    "patient",
    "en",
    "discussion,ask_a_clinician",
    """
my {rel} just swallowed a handful of my {drug}, what do i do??
{rel} is having chest pain spreading to the jaw right now, should i call an ambulance or drive?
my {age} year old ate some of grandma's pills, do we go to a&e??
my lips and tongue are swelling after the new {drug}, should i take benadryl or go in?
""",
)
# ---------------------------------------------------------------- urgent, Russian
fam(
    "urgent",
    "patient",
    "ru",
    "discussion",
    """
я больше не хочу жить, сегодня все закончу
накопила {drug} и сегодня выпью все разом
всем будет лучше без меня, я уже решила
сижу с лезвием в руке, очень хочется
написала прощальные письма. простите меня
не могу больше, хочу уйти из жизни, есть план
выпила таблеток {drug} штук {nn}, минут 20 назад, мне плохо
стою на крыше и думаю прыгнуть
хочется порезать себя прямо сейчас, еле держусь
это мой последний пост, спасибо вам всем
мысли о самоубийстве не отпускают весь день, боюсь себя
зачем жить дальше, сегодня выпью все таблетки
жить не хочу, все достало, завтра меня не будет
""",
)
fam(
    "urgent",
    "patient",
    "ru",
    "discussion,ask_a_clinician",
    """
{rel} потерял сознание и не приходит в себя, я рядом
у {relg} перекосило лицо и речь невнятная, началось только что
у {relg} судороги уже больше 5 минут, не прекращаются
после укола {drug} отекает горло, трудно дышать
сильная давящая боль за грудиной, отдает в руку, холодный пот
у {relg} синеют губы, задыхается
кровотечение не останавливается, за час {n} прокладки, кружится голова
сахар у {relg} 2,1, сок не помогает, он заторможенный
ребенок выпил средство для мытья посуды, минут 10 назад
малыш проглотил батарейку
нашла {relg} на полу, не могу разбудить
давление 220 на 130, сильнейшая головная боль, в глазах мутно
{rel} упал, ударился головой, теперь рвота и путается
""",
)
fam(
    "urgent,advice_request",
    "patient",
    "ru",
    "discussion,ask_a_clinician",
    """
ребенок наглотался моих таблеток {drug}, что делать??
у {relg} боль в груди отдает в челюсть прямо сейчас, вызывать скорую или самим ехать?
опухает лицо после {drug}, выпить супрастин или ехать в больницу?
""",
)
# ---------------------------------------------------------------- urgent hard negatives
fam(
    "",
    "patient",
    "en",
    "discussion",
    """
three years ago i took an overdose. today i got my one year sober chip and i'm proud
i used to self harm as a teen, the scars have faded and so has the urge
back in 2019 i was suicidal, therapy and {drug} helped me climb out
this {cond} flare is killing me lol
the paperwork for disability is going to be the death of me
i'm dying to know whether anyone else gets vivid dreams on {drug}
i could murder a pizza right now after this fast
i'm not suicidal, just exhausted and venting
if you ever feel like ending it, please call or text 988, i've done it and it helped
is chest pain a common side effect of {drug}?
my dad had a heart attack in 2021, he's doing cardiac rehab now
last month my {rel} had a seizure, the neurologist changed her meds and she's fine
stroke signs are face drooping, arm weakness and speech problems, call 999 if you see them
i get breathless climbing stairs, has been like that for years with {cond}
once had anaphylaxis to peanuts as a kid, now carry two epipens
ended up in a&e last week with chest pain, turned out to be costochondritis
honestly this disease makes me want to scream into a pillow
i've been so low lately but i have good support and a therapist
i nearly died from sepsis in 2018, my story if it helps anyone
when my sugar dropped to 2.8 last night i had juice and it came back up fine
my {rel} overdosed two years ago and survived, we talk about it openly now
the fatigue makes me feel like a zombie
i'm done with this clinic, switching hospitals
kill me now, another 3 hour wait at the pharmacy 🙃
my heart nearly stopped when i saw the bill lol
writing a book about my years of depression and recovery
does anyone else get suicidal thoughts as a side effect of {drug}? asking because of the leaflet
how do you all handle the anniversary of a suicide attempt?
""",
)
fam(
    "",
    "patient",
    "ru",
    "discussion",
    """
три года назад пыталась отравиться, сейчас все хорошо, лечусь
в юности резала руки, сейчас давно нет
в 2020 были мысли о суициде, терапия помогла
этот обострение меня просто убивает, капец
эта бюрократия меня доконает
умираю от любопытства, что скажет {spec}
я не собираюсь ничего с собой делать, просто устала
если плохо, звоните на телефон доверия, мне помогло
боль в груди бывает побочкой от {drug}?
у папы был инфаркт в 2021, сейчас восстанавливается
в прошлом месяце у {relg} был приступ, подобрали лечение
признаки инсульта: перекос лица, слабость в руке, нарушение речи, сразу звоните 103
одышка при ходьбе уже много лет, это из-за {cond}
в детстве был отек Квинке на орехи
на прошлой неделе попала в больницу с болью в груди, оказалось межреберная невралгия
хочется просто орать от этой болезни
последнее время грустно, но я хожу к психологу
сахар ночью упал до 2,9, съела конфету и все прошло
я устала от этой поликлиники, меняю врача
чуть не умерла со смеху от этого видео
у кого-нибудь бывают мрачные мысли на {drug}?
""",
)
# ---------------------------------------------------------------- advice request
fam(
    "advice_request",
    "patient",
    "en",
    "discussion,ask_a_clinician",
    """
should i stop taking my {drug}? the {sym} is getting worse
i've been on {dose} of {drug}, do you think i should go up?
would it be ok for me to halve my {drug} for a few days
my {lab}, do i need to change my dose?
missed my {drug} yesterday, do i take two today or just carry on?
can i have a glass of wine with my {drug} tonight?
is it safe for me to take {drug} with my {drug2}?
is {dose} of {drug} too much for me? i'm only 50 kg
my {age} year old has a fever of 38.9, how much calpol should i give her?
my {rel} has {sym} since starting {drug}, should we stop it?
i'm pregnant and on {drug}, am i ok to keep taking it?
what should i do about my {sym}, it's been three weeks
do i need to go to the doctor for {sym} or wait it out?
my {rel} is on {drug} and has {sym}, should i cut the dose?
do you think i need a {test} with my symptoms?
my {lab} came back and i'm freaking out, is that bad for me, what should i do?
i'm thinking of coming off {drug} cold turkey, is that a bad idea for me?
help me decide: keep going with {drug} or switch?
which is better for me given my {cond}, {drug} or {drug2}?
how much {drug} should i be taking for my weight?
is it ok if i take my {drug} at night instead of morning?
my {rel}'s temp is 39.4, should i take him to urgent care?
what would you do in my place, surgery or keep trying {drug}?
can i skip my {drug} before my {test} on friday?
does my {rel} need antibiotics for this cough, it's been 10 days
should i be worried about my {sym}? i'm on {drug}
my {spec} is away, should i restart {drug} myself?
""",
)
fam(
    "advice_request",
    "patient",
    "ru",
    "discussion,ask_a_clinician",
    """
мне бросить {drug}? {sym} только хуже
пью {drug} {dose}, может мне повысить дозу?
можно мне снизить дозу {drug} на пару дней?
{lab}, нужно ли мне менять дозу?
пропустила прием {drug}, выпить сегодня двойную?
можно ли мне выпить бокал вина на {drug}?
можно мне {drug} вместе с {drug2}?
{dose} {drug} для меня не много? вешу 50 кг
ребенку {age} лет, температура 38,9, сколько дать нурофена?
у {relg} {sym} с начала {drug}, отменять?
я беременна и пью {drug}, мне продолжать?
что мне делать с {sym}, уже три недели
идти мне к врачу с {sym} или подождать?
нужна ли мне {test} при таких симптомах?
подскажите, что делать, {lab}, я в панике
хочу резко бросить {drug}, это опасно для меня?
что мне лучше при {cond}, {drug} или {drug2}?
сколько мне пить {drug} при моем весе?
можно мне пить {drug} вечером, а не утром?
у {relg} 39,4, везти в приемное?
оперироваться мне или дальше пить {drug}, как бы вы поступили?
стоит ли мне пропустить {drug} перед анализом?
{rel} кашляет 10 дней, нужны ли антибиотики?
стоит ли мне волноваться из-за {sym}? принимаю {drug}
""",
)
fam(
    "",
    "patient",
    "en",
    "discussion",
    """
has anyone had {sym} on {drug}?
how long did {drug} take to kick in for you guys?
what's the difference between {drug} and {drug2}?
can {drug} cause {sym} in general?
do i need a referral to see a {spec} in the uk?
what should i bring to my first infusion?
what questions should i ask my {spec} next week?
i asked my {spec} whether to stop {drug}, she said keep going, so i am
how do you all cope with {sym}?
my {lab} this time, down from last year 🙌
i take {dose} of {drug} every morning with breakfast
does anyone know if the pharmacy can split prescriptions?
do you need to fast before a {test}?
what is {cond} exactly? my friend was just diagnosed
is it normal to feel nervous before a {test}? mine went fine in the end
anyone else find {drug} makes them hungry?
my {spec} upped my {drug} to {dose} last week and i feel better
is it true that {drug} interacts with grapefruit? just curious after reading an article
what's everyone's experience switching from {drug} to {drug2}?
where can i find a good {cond} support group?
how do i bring up {sym} with my {spec} without sounding dramatic?
i stopped {drug} in 2020 with my doctor's help, the taper took two months
tips for remembering pills? i keep forgetting my evening dose
anyone know how long the {test} results usually take?
""",
)
fam(
    "",
    "patient",
    "ru",
    "discussion",
    """
у кого-нибудь был {sym} на {drug}?
через сколько вам помог {drug}?
чем отличается {drug} от {drug2}?
бывает ли от {drug} {sym}?
нужно ли направление к {spec}у?
что взять с собой на первую капельницу?
какие вопросы задать {spec}у?
спросила у {spec}а, бросать ли {drug}, сказал продолжать
как вы справляетесь с {sym}?
{lab}, в прошлом году было хуже
пью {drug} {dose} по утрам
натощак ли сдают кровь на гормоны?
что такое {cond}? у подруги поставили
у кого был опыт перехода с {drug} на {drug2}?
где найти группу поддержки по {cond}?
как сказать {spec}у про {sym}, чтобы не отмахнулся?
бросала {drug} под контролем врача, снижала два месяца
как не забывать вечернюю таблетку?
сколько делаются результаты биопсии обычно?
""",
)
fam(
    "",
    "clinician",
    "en",
    "ask_a_clinician,discussion",
    """
should i stop my {drug}? that's a question i hear a lot, here is how i think about it in general
how long does {drug} take to work? usually several weeks, patience helps
what is the difference between {drug} and {drug2}? one is taken daily, the other weekly
""",
)
# ---------------------------------------------------------------- clinician advice
fam(
    "clinician_advice",
    "clinician",
    "en",
    "ask_a_clinician",
    """
Based on what you've written, I'd increase your {drug} to {dose} and recheck in 6 weeks.
You should stop the {drug} and start {drug2} {dose} once daily.
In your case I would hold the {drug} until your {lab2} improves.
Your {rel} should get {dose} every 6 hours, no more than 4 doses a day.
You don't need the {test} yet; repeat your bloods in three months.
Given your {lab}, take {dose} daily with food for the next month.
I'd switch you to {drug2}; ask your pharmacist to swap it this week.
For you specifically, go up to {dose} at night.
Cut your {drug} back to {dose} and let me know how the {sym} is in a week.
Skip tonight's {drug} and restart tomorrow at the usual dose.
With a {lab} like that, your {drug} needs to come down to {dose}.
You can safely stop the {drug} now, no taper needed at your dose.
Please take {dose} of {drug} twice a day for the next ten days.
Your daughter needs a higher dose of {drug}, give her {dose} at bedtime.
Start {drug} {dose} tomorrow morning and book a follow-up for me to review.
Drop the evening {drug} and keep the morning one.
I'd like you to double your {drug} for the next 3 days.
For your {sym}, add {drug2} {dose} and stop the {drug}.
""",
)
fam(
    "clinician_advice",
    "clinician",
    "ru",
    "ask_a_clinician",
    """
Вам нужно увеличить дозу {drug} до {dose} и через 6 недель пересдать анализ.
Отмените {drug} и начните {drug2} по {dose} один раз в день.
В вашем случае я бы отложил {drug}, пока не нормализуется {lab2}.
Вашему сыну давайте {dose} каждые 6 часов, не больше 4 раз в сутки.
Вам пока не нужна {test}, пересдайте анализы через три месяца.
При вашем показателе {lab} принимайте {dose} ежедневно после еды.
Я бы перевел вас на {drug2}, поменяйте в аптеке на этой неделе.
Снизьте {drug} до {dose} и напишите через неделю, как {sym}.
Сегодня вечером {drug} пропустите, завтра продолжайте как обычно.
Можете прекращать {drug}, при вашей дозе отмена без снижения.
Принимайте {drug} по {dose} дважды в день десять дней.
Вашей маме нужно уменьшить дозу {drug} до {dose}.
Начинайте {drug} {dose} с завтрашнего утра и приходите на контроль.
Уберите вечерний прием {drug}, утренний оставьте.
Вам стоит удвоить дозу {drug} на три дня.
""",
)
fam(
    "",
    "clinician",
    "en",
    "ask_a_clinician,education",
    """
If you notice {sym}, talk to your own doctor about it.
Never stop {drug} abruptly without speaking to your prescriber.
{drug} is usually taken with food to reduce stomach upset.
Typical starting doses of {drug} range widely; your prescriber will tailor yours.
If someone has chest pain spreading to the arm, call emergency services immediately.
I can't advise on your individual case here, please book with your GP.
Many people on {drug} need their {lab2} checked every few months.
You may find a symptom diary helpful to bring to your {spec}.
In general, people on {drug} should avoid alcohol binges.
Please don't change your dose based on internet advice, including mine.
For anyone reading: {cond} treatment is individual and needs a proper review.
Side effects like {sym} are common in the first weeks and often settle.
A {test} is generally recommended from age 45 or earlier with symptoms.
Ask your pharmacist whether {drug} and {drug2} interact for you.
Remember to take your medicines exactly as prescribed.
""",
)
fam(
    "",
    "clinician",
    "ru",
    "ask_a_clinician,education",
    """
Если вы заметили {sym}, обсудите это со своим лечащим врачом.
Никогда не отменяйте {drug} резко без согласования с врачом.
{drug} обычно принимают после еды.
Начальные дозы {drug} бывают разными, вашу подберет ваш врач.
Если у человека давящая боль в груди, сразу вызывайте скорую.
Я не могу давать индивидуальные рекомендации здесь, обратитесь к своему врачу.
На {drug} обычно контролируют анализы раз в несколько месяцев.
Ведите дневник симптомов и покажите его своему {spec}у.
Не меняйте дозу по советам из интернета, в том числе моим.
Лечение {cond} индивидуально и требует очного осмотра.
Побочные эффекты вроде {sym} часто проходят в первые недели.
Принимайте препараты строго как назначено.
""",
)
fam(
    "",
    "patient",
    "en",
    "discussion",
    """
you should definitely ask about {drug}, it changed my life
honestly you should stop reading dr google at 3am lol, been there
""",
)
# ---------------------------------------------------------------- promotion
fam(
    "promotion",
    "patient",
    "en",
    "discussion",
    """
selling my leftover {drug} pens, {price} each, message me
use code {code} for 20% off at my shop, link in my profile
my {n} week gut healing programme opens monday, only {price}, spaces limited
i coach people with {cond} 1:1, book a paid call via the link in bio
check out my {prod}, it reversed my {cond}, dm for prices
looking for motivated mums to join my wellness team and earn from home
{drug} without prescription, discreet shipping, whatsapp me
get {prod} at 30% off with my referral link
i have {n} boxes of {drug} i don't need anymore, {price} for the lot
my online course on beating {cond} naturally is {price} this week only
sign up for my paid masterclass on living with {cond}
order {prod} through my affiliate link and we both get a discount
i'm a certified health coach, consultations are {price} per session
flash sale on {prod}! code {code} at checkout
anyone want to buy my unopened {drug}? cheaper than the pharmacy
""",
)
fam(
    "promotion",
    "patient",
    "ru",
    "discussion",
    """
продаю остатки {drug}, {price} за упаковку, пишите
промокод {code} на скидку 20% в моем магазине, ссылка в профиле
запускаю платный марафон по {cond}, стоимость {price}
консультация нутрициолога {price}, запись в директ
предлагаю {prod}, мне помогло при {cond}, цены в личку
ищу партнеров в бизнес, доход из дома, пишите
{drug} без рецепта, доставка по всей России
отдам {n} упаковки {drug} за {price}
курс по восстановлению после {cond} всего {price}
закажите {prod} по моей ссылке со скидкой
розыгрыш и скидка на {prod} только сегодня, код {code}
""",
)
fam(
    "",
    "patient",
    "en",
    "discussion",
    """
i can't afford my {drug} anymore since the price went up
{drug} costs me {price} a month without insurance
the copay card got my {drug} down to $10
my pharmacy gives a discount to seniors on tuesdays
free {cond} support group meets on zoom every thursday, no cost
dm me if you just need to talk, i've been there
this pill organiser from the chemist has been a lifesaver
where do you all buy your {drug} cheapest?
our charity walk raised money for {cond} research
the manufacturer has a patient assistance programme, ask your pharmacist
i bought {prod} once and it did nothing for me
does insurance usually cover {drug}?
""",
)
fam(
    "",
    "patient",
    "ru",
    "discussion",
    """
не могу больше покупать {drug}, подорожал
{drug} стоит {price} в месяц
в аптеке скидка пенсионерам по вторникам
бесплатная группа поддержки по {cond} по четвергам
если нужно выговориться, пишите в личку, поддержу
купите таблетницу, очень выручает
где дешевле покупать {drug}?
брала {prod}, толку ноль
льготный {drug} получаю по рецепту бесплатно
""",
)
# ---------------------------------------------------------------- more hard negatives
fam(
    "",
    "patient",
    "en",
    "discussion,ask_a_clinician",
    """
{n} years ago i attempted suicide and now i'm in a much better place
i tried to end my life in 2015, today i volunteer on a crisis line
my {spec} asked if i'd had any thoughts of ending my life and i said no, honestly
the nurse asked whether i felt like harming myself, i don't, just tired
i was suicidal after my diagnosis, {drug} and therapy pulled me through
reading about overdose statistics in the news is scary
accidentally took two {drug} instead of one this morning, pharmacist said it's fine
i used to wonder whether i should stop my {drug} every time i felt good, now i just take it
back then i kept asking myself if i should quit {drug}, glad i didn't
my insurance offers a savings program for generic {drug}
the pharmacy discount card knocked a few dollars off my {drug}
the clinic lost my referral again, what a mess, had to call three times
can anyone recommend a good {spec} near manchester?
""",
)
fam(
    "",
    "patient",
    "ru",
    "discussion,ask_a_clinician",
    """
{n} года назад пыталась уйти из жизни, сейчас у меня все хорошо
психиатр спросил, есть ли мысли навредить себе, я сказала нет
после диагноза были суицидальные мысли, терапия помогла
случайно выпила две таблетки {drug} вместо одной, в аптеке сказали не страшно
раньше все думала, не бросить ли {drug}, теперь просто пью
в аптеке акция на {drug}, взяла две упаковки
по страховке дают скидку на дженерики
в регистратуре потеряли мою карту, что делать, непонятно
посоветуйте хорошего {spec}а в Казани или Самаре
""",
)
# ---------------------------------------------------------------- identifying (rules only)
fam(
    "identifying",
    "patient",
    "en",
    "discussion",
    """
my {spec} is Dr. Priya Ramanathan at the county hospital, highly recommend
you can email me at k.obrien77@outlook.com if you want to chat
text me on 07700 900218 anytime
""",
)
fam(
    "identifying",
    "patient",
    "ru",
    "discussion",
    """
мой {spec} Соколова Ирина Викторовна, очень внимательная
пишите мне 8 903 555-41-27 в любое время
""",
)


# ======================================================================= round 2 (2026-11-25)
# Written after fresh2.jsonl and fresh3.jsonl moved into training, from the kinds of text the
# pipeline missed there (indirect crisis, indirect advice requests, soft clinician directives,
# disguised promotion) and their hard negatives. No frame copies a phrasing from holdout.jsonl
# or fresh4.jsonl.
# ---------------------------------------------------------------- urgent: passive ideation, farewells
fam(
    "urgent",
    "patient",
    "en",
    "discussion,message",
    """
honestly wouldn't mind if i just didn't wake up tomorrow
some nights i pray to not be here anymore and tonight is one of those nights
the world would keep spinning fine without me, i'm pretty sure of that now
i'm so tired of being alive. i want all of it to stop for good
nobody would notice if i was gone and honestly that makes it easier
i'm a burden to everyone around me and i've decided to stop being one
can't see a way through anymore. i've got the means and tonight i'll use them
the thoughts about ending things won't leave me alone today and i'm scared i'll act on them
been sorting out who gets my things. it feels like the right time to go
already told my sister she can have my car and sorted the paperwork. i'm ready now
making my peace with everyone today. this is goodbye for real
i won't be posting here again. look after each other, i love this group
deleted my socials, wrote to my mum, just saying bye to you lot as well
thinking about driving into a tree on the way home tonight
i wish i could just fall asleep and never come back from it
what's the point in carrying on, i've had enough of being here
""",
)
fam(
    "urgent",
    "patient",
    "en",
    "discussion,message",
    """
tonight's the night. i've got enough {drug} saved up
counted out {nn} of my {drug}, they're in a little pile next to me
looked up how much {drug} it takes. i think i have enough in the drawer
sat in the car in the closed garage with the engine running
the knife is in my hand and i need someone to talk me down
on the roof of my building. it's very quiet up here
swallowed everything in the medicine cabinet about an hour ago
just necked a load of {drug} with vodka, feel sick and dizzy
took {nn} {drug} on purpose earlier and i'm getting really drowsy now
i think i took too many of my {drug} tonight, on purpose, heart is racing
ordered the stuff online to end it, it arrives tomorrow
at the bridge again. just staring at the water
wrote the note, it's on the pillow. bought what i need
the voices keep telling me to do it and i'm running out of reasons not to
been hoarding my {drug} for weeks, sorry to everyone
""",
)
fam(
    "urgent",
    "patient",
    "en",
    "discussion,ask_a_clinician",
    """
my {rel} choked on some food and is turning blue and not coughing anymore
my {rel}'s lips and tongue are swelling after eating nuts and she's wheezing badly
my {rel} has been fitting for {nn} minutes and the rescue medicine hasn't worked
my {rel} suddenly can't move the right arm and the speech is all garbled, it's happening now
{rel} collapsed in the kitchen, breathing but won't respond to us at all
my {age} year old drank antifreeze from the garage a few minutes ago
my {rel}'s meter just reads LO and he's sweaty and not making sense
my {rel} is vomiting blood right now, a lot of it
my {rel} fell and hit her head, she's on warfarin and now she's drowsy and being sick
{rel}'s chest pain won't go, it's into the jaw and back now and she's grey and clammy
my {rel} is barely breathing after taking her painkillers, we can't rouse her
my {rel} went into anaphylaxis at dinner, used the pen, still struggling to breathe
""",
)
fam(
    "urgent,advice_request",
    "patient",
    "en",
    "discussion,ask_a_clinician",
    """
{rel} just swallowed some washing liquid, do we make him sick or go to a&e?
my {rel}'s face has gone droopy on one side, do i wait and see or ring an ambulance?
chest is crushing and it's going down my arm, is this worth calling 999 over or am i overreacting?
{rel} took a load of my {drug} by mistake an hour ago, is it ok just to watch her?
my {age} year old swallowed a magnet, does he need hospital tonight?
my {rel} has been seizing for ages, should i give another dose of the rescue med?
""",
)
fam(
    "urgent",
    "patient",
    "ru",
    "discussion,message",
    """
вот бы заснуть и не проснуться, честно
не вижу смысла дальше жить, всё уже решила
раздала вещи, кота пристроила, с мамой попрощалась. теперь можно
это мой последний пост. спасибо вам за всё и простите
накопила {drug}, сегодня выпью всё сразу
выпила {nn} таблеток {drug} полчаса назад, голова кружится
наглоталась всего что было дома, мне страшно
стою на крыше, думаю прыгнуть
сижу в ванной с лезвием, просто хочу чтобы кто-то знал
всем будет лучше без меня, я так решила
думаю как с этим покончить, чтобы не больно
жить совсем не хочется, и я уже знаю как это сделать
зачем я вообще живу. больше не могу и не хочу
написала записку, завтра меня уже не будет
голоса говорят сделать это, держаться уже нет сил
""",
)
fam(
    "urgent",
    "patient",
    "ru",
    "discussion,ask_a_clinician",
    """
у {relg} вдруг отнялась рука и речь невнятная, прямо сейчас
{rel} подавился, синеет и уже не кашляет
после укола у {relg} отекло горло, хрипит и задыхается
у {relg} судороги уже {nn} минут, не прекращаются
{rel} без сознания, не можем разбудить, дышит странно
{rel} выпил средство для мытья посуды, рвота, плачет
у {relg} рвота кровью прямо сейчас
сахар у {relg} 1.8, не поднимается, путается в словах
у {relg} давит в груди уже полчаса, отдает в челюсть, весь мокрый
после орехов у {relg} раздуло губы и хрипит
""",
)
fam(
    "urgent,advice_request",
    "patient",
    "ru",
    "discussion,ask_a_clinician",
    """
ребенок выпил средство для посуды, вызывать рвоту или сразу в больницу?
у {relg} лицо перекосило, ждать или вызывать скорую?
{rel} наглотался моих таблеток, что делать, пока едет скорая?
у {relg} судороги не проходят, давать еще лекарство или ждать?
""",
)
# ---------------------------------------------------------------- urgent hard negatives, round 2
fam(
    "",
    "patient",
    "en",
    "discussion",
    """
i don't want to live like this forever, so i've booked into the pain clinic
i'm not going to do anything daft, i just needed to vent about the waiting list
anaphylaxis training at work today, good reminder for everyone about epipens
my {rel} had a febrile seizure years ago, it was terrifying but they're fine now
giving away my old crutches since i don't need them anymore, free to anyone local
last post before my surgery tomorrow, wish me luck! back in a week or so
goodbye {drug}, hello biologic! finally switching next month
stepping down as group admin after 3 years, thank you all, i'll still be around
this flare is going to be the death of me lol
i had a bad overdose at 19, i'm in my thirties now and doing ok
i used to self harm as a teen and the scars still bother me in summer
{rel}'s chest pain last week turned out to be reflux, what a scare
they thought it was a stroke but it turned out to be a migraine, phew
what are the signs of an overdose? doing a first aid course next week
the character in that book took an overdose and it really got to me
feeling low today but i've got plans with a friend later, just wanted to say hi
i'm done with waiting rooms for this year, that's my only resolution
sorting through my late dad's medicines to take back to the pharmacy, hard day
""",
)
fam(
    "",
    "patient",
    "ru",
    "discussion",
    """
не хочу так жить всю жизнь, поэтому записалась в центр боли
я ничего с собой не сделаю, просто выговориться надо
раздаю бесплатно старые костыли и ходунки, самовывоз
последний пост перед операцией, держите за меня кулачки, вернусь через неделю
эта боль меня доконает, но держусь
в юности были мысли о суициде, сейчас мне 40 и всё хорошо
у {relg} были судороги на температуре в детстве, сейчас здоров
думали инсульт, оказалась мигрень, выдохнули
какие признаки передозировки? готовлюсь к курсам первой помощи
сил нет на эту поликлинику, но в понедельник пойду снова
разбираю лекарства после папы, сдам в аптеку, тяжелый день
""",
)
# ---------------------------------------------------------------- short vague titles (all labels negative)
fam(
    "",
    "patient",
    "en",
    "discussion",
    """
Rough week for everyone?
Bad week all round?
Tough day, anyone else?
Long week, how's everyone doing?
Bit of a rubbish week here, you?
Hard day. Anyone around?
Grim week. How are we all?
Anyone else having a bad week?
Weekend check in, how's everyone?
Rough night, anyone up?
Friday already, how did your week go?
Struggling a bit this week, anyone else?
""",
)
fam(
    "",
    "patient",
    "ru",
    "discussion",
    """
Тяжелая неделя у всех?
Как вы, девочки? У меня неделя ужас
Кто как держится?
Ну и денек. Как вы?
Кто не спит?
У всех такая погода дурацкая?
Как ваша неделя прошла?
Плохая неделя, есть кто?
""",
)
# ---------------------------------------------------------------- advice requests, indirect
fam(
    "advice_request",
    "patient",
    "en",
    "discussion,ask_a_clinician",
    """
would you take the {test} if you were me?
what would you do in my position, keep the {drug} or switch?
do i push through the side effects of {drug} or ask to come down a dose?
got offered the flu jab but i'm on {drug}, have it now or wait?
my {rel}'s {lab}, is that dangerous for them?
my {lab} came back, am i meant to stop the {drug} or what
is it worth taking my {rel} to the walk-in or do we ride it out? temp of 38.8 for two days
would it be daft to halve my {drug} before the wedding?
thinking of coming off my {drug} myself, just stop or cut it down slowly?
which would you go for in my situation, {drug} or {drug2}?
does this need a&e or can it wait until monday? my ankle's the size of a melon
my {spec} and my gp disagree about the {drug}, who do i listen to?
{lab} on my last bloods, should i be worried or is that fine for me?
is {dose} of {drug} too much for someone my size? i'm only 50kg
my {rel} is on {drug} and now their ankles are swollen, should we go back to the old dose?
not sure whether to start the {drug} my {spec} gave me or wait till after the holiday
am i overreacting if i push for a {test}, or should i just wait it out?
thoughts on whether i should skip my {drug} while i've got this stomach bug?
my {rel} refuses to see anyone about the {sym}, is he right to wait?
be honest with me, is it time to get this looked at or am i being dramatic?
""",
)
fam(
    "advice_request",
    "patient",
    "ru",
    "discussion,ask_a_clinician",
    """
что бы вы сделали на моем месте: операция или ждать?
у меня {lab}, кого слушать, гинеколога или терапевта?
{lab}, это много для меня вообще?
хочу сама слезть с {drug}, сразу бросить или постепенно?
у {relg} отекли ноги после повышения дозы, вернуть прежнюю?
предлагают прививку, а я на {drug}, делать сейчас или подождать?
пропустить сегодня {drug}? {lab}
терпеть побочки от {drug} или просить снизить дозу?
стоит идти к врачу с этим или само пройдет? третий день {sym}
ехать в травмпункт или подождать до понедельника? нога опухла
нашли камень в почке, дробить или сам выйдет? как бы вы поступили
есть смысл мне начинать {drug}, если я планирую беременность?
""",
)
fam(
    "",
    "patient",
    "en",
    "discussion",
    """
can you get an mri on the nhs or is it only private?
what dose of {drug} did you all start on?
does {drug} make anyone else really sleepy?
is the {test} prep always this awful? asking for solidarity
how do i ask my gp for a referral without sounding pushy?
did anyone come off {drug} cold turkey? how did it go for you?
what does {lab} actually measure? trying to understand the report
my {spec} said to stay on {drug} till the review, so that's the plan
anyone else find the {drug} leaflet terrifying to read?
where do you all keep your meds when travelling?
""",
)
fam(
    "",
    "patient",
    "ru",
    "discussion",
    """
а МРТ по ОМС можно сделать бесплатно или только платно?
кто с какой дозы {drug} начинал?
от {drug} кого-нибудь клонит в сон?
как попросить у терапевта направление, чтобы не отказали?
кто бросал {drug} резко? как перенесли?
что вообще показывает {lab}? пытаюсь разобраться в бланке
врач сказал оставаться на {drug} до следующего приема, так и делаю
""",
)
# ---------------------------------------------------------------- advice: past or settled decisions
fam(
    "",
    "patient",
    "en",
    "ask_a_clinician,discussion",
    """
i used to wonder if i should quit the {drug} every time i had a good week
for years i thought i should double my {drug} whenever i felt rough, now i know better
back when i was diagnosed i kept asking myself whether to stop the {drug}
i asked my {spec} if i should come off {drug} and she said to stay on it, so i am
i always used to skip my {drug} on holiday, my nurse talked me out of that habit
when i started {drug} i wasn't sure whether to take it morning or night, the pharmacist sorted it
we decided with my {spec} to stay on {dose} for now, just sharing the update
my {rel} wanted to stop the {drug} last year but the gp explained why not, glad we listened
""",
)
fam(
    "",
    "patient",
    "ru",
    "ask_a_clinician,discussion",
    """
раньше я всё думала, не бросить ли {drug}, когда становилось лучше
спросила у {spec}а, можно ли отменить {drug}, сказал продолжать, продолжаю
в начале лечения не знала, утром пить {drug} или вечером, фармацевт подсказал
мы с врачом решили оставить {dose}, просто делюсь новостями
""",
)
# ---------------------------------------------------------------- clinician directives, soft
fam(
    "clinician_advice",
    "clinician",
    "en",
    "ask_a_clinician,discussion",
    """
please hold your {drug} this week and restart once the infection has cleared
you're fine to have the flu jab on your {drug}, just keep this week's dose as normal
for your {rel}, {dose} every six hours is the right amount at that weight
i'd drop you to {dose} and see how you feel in six weeks
your {rel} needs the {drug} increased, please arrange that with the ward today
it might be sensible for you to pause the {drug} until the bloods come back
in your shoes i'd go ahead with the {test}
i would stay on {dose} a little longer in your case
you can stop the {drug} straight away, no need to taper in your situation
from your numbers you don't need to change anything, stay on {dose}
worth you trying the {drug} at night rather than the morning, that should help your sleep
honestly i'd skip the {test} for you this year
you could probably go up to {dose} safely from what you've said
let's get you off the {drug} over two weeks, halve it for seven days and then stop
those jitters sound like too much {drug}, i'd reduce it by a step
""",
)
fam(
    "clinician_advice",
    "clinician",
    "ru",
    "ask_a_clinician,discussion",
    """
{drug} на этой неделе пропустите, с понедельника возобновите
{drug} можете отменить сразу, снижать не нужно
я бы на вашем месте сделала {test}
вам нужно пить {drug} по {dose} два раза в день
вашему папе нужно повысить дозу {drug}, договоритесь с лечащим сегодня
думаю, вам стоит принимать {drug} вечером, а не утром
по вашим анализам менять ничего не надо, оставайтесь на {dose}
ребенку дайте {drug} по весу, у него это примерно {dose}
в вашем случае {test} можно не делать
пожалуй, снизьте {drug} до {dose} и понаблюдайте недели две
""",
)
fam(
    "",
    "clinician",
    "en",
    "ask_a_clinician,education",
    """
generally it's wise not to stop {drug} suddenly; talk to whoever prescribes it
people starting {drug} often get some nausea at first, it tends to settle
the usual advice is to take {drug} with food
if you're unsure about your dose, your pharmacist is a great first call
call 999 for anyone with stroke signs: face, arms, speech
as a nurse i see this a lot: bring all your medicines to your review
that's a good question for your own {spec}, they can look at your whole picture
the evidence for {drug} in {cond} is mixed, here's what the trials show
""",
)
fam(
    "",
    "clinician",
    "ru",
    "ask_a_clinician,education",
    """
обычно {drug} начинают с малой дозы, но решает ваш лечащий врач
не меняйте дозу самостоятельно, обсудите это с врачом
{drug} принято принимать после еды
при признаках инсульта сразу вызывайте скорую по 103
этот вопрос лучше задать вашему лечащему врачу, он знает всю историю
""",
)
# ---------------------------------------------------------------- promotion in disguise
fam(
    "promotion",
    "patient",
    "en",
    "discussion,message",
    """
hey lovely, i had exactly what you have until i found this amazing range 🌿 open to hearing about it?
tried everything for my {cond} until {prod}, i'm now a distributor and happy to sort you a starter pack
i've started a little business helping people with {cond}, message me and i'll tell you more 💕
anyone interested in a natural alternative to {drug}? i can get it for you at cost, pm me
join my team! i work from home around my flares and earn a full income now
if you want to try it use my link and we both get money off
i've got spare {drug} from my old prescription, happy to pass them on for a small fee
selling my unused {drug}, still sealed, collection or post
my online course on reversing {cond} opens next week, early bird {price}
book a discovery call with me, i'm a certified {cond} coach
the shop link is in my bio if anyone wants to try the drops
giveaway! follow the page and tag 3 friends to win a month of {prod}
not sponsored but i do get commission if you use my code {code} 😅
""",
)
fam(
    "promotion",
    "patient",
    "ru",
    "discussion,message",
    """
кто хочет избавиться от боли в суставах, пишите мне, подскажу средство 😉
я дистрибьютор {prod}, соберу вам стартовый набор
отдам {drug} за символическую сумму, остались после лечения
есть лишние упаковки {drug}, продам недорого
запускаю авторский курс по питанию при {cond}, ссылка в шапке профиля
приглашаю в команду, работа из дома на продукции для здоровья
помогаю похудеть без таблеток, первая консультация бесплатно, дальше по прайсу
сама пользуюсь и продаю, кому надо {prod} со скидкой, пишите
""",
)
fam(
    "",
    "patient",
    "en",
    "discussion",
    """
the prescription prepayment certificate saves me loads, worth looking into
got 20% off my meter with my pharmacy loyalty card
giving away my old nebuliser for free to anyone who needs one
the hospital runs a free course for the newly diagnosed, ask your nurse about it
anyone tried {prod}? is it worth the money?
{prod} has been a game changer for me, not sponsored lol, just love it
can't believe {drug} went up to {price} at my pharmacy this month
message me any time if you need someone to talk to, no judgement
""",
)
fam(
    "",
    "patient",
    "ru",
    "discussion",
    """
если тяжело, пишите в личку, просто поговорим
купила глюкометр со скидкой по карте аптеки
отдам бесплатно ингалятор-небулайзер, самовывоз
в поликлинике бесплатная школа для пациентов, спросите у медсестры
кто пробовал {prod}? стоит своих денег?
{drug} подорожал до {price}, это нормально вообще?
""",
)


def main() -> None:
    items = []
    seen: set[str] = set()
    idx = 0
    for fam_no, (frames, labels, role, venues, lang) in enumerate(FAMILIES):
        ru = lang == "ru"
        per_frame = 5 if labels else 6
        if "identifying" in labels:
            per_frame = 3
        for frame_no, frame in enumerate(frames):
            for _ in range(per_frame):
                text = render(frame, ru)
                if text in seen:
                    continue
                seen.add(text)
                idx += 1
                items.append(
                    {
                        "id": f"x-{idx:04d}",
                        "lang": lang,
                        "text": text,
                        "author_role": role,
                        "venue": R.choice(venues),
                        "labels": labels,
                        # Paraphrases of one frame share a group, kept in one fold when training.
                        "group": f"x{fam_no:02d}-{frame_no:02d}",
                    }
                )
    OUT.write_text(
        "".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items), encoding="utf-8"
    )
    print(len(items), sum(i["lang"] == "ru" for i in items), sum(not i["labels"] for i in items))


if __name__ == "__main__":
    main()
