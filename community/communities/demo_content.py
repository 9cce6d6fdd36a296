"""What demo members talk about, per condition, in English and in Russian.

One source for every demo loader: the treatments a community takes (with how common each
is, first-line drugs first) and the symptoms it lives with (catalogue slugs), with the
names members use for them in each language. Thread texts are written per kind of thread
so a title, its opening post and its replies are about the same treatment or symptom.
Russian slots are filled with nominative names, so the templates put them after a colon,
a dash or in parentheses.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DemoTreatment:
    slug: str
    share: float  # of the community's patients who take it at some point
    en: str
    ru: str
    drug: bool = True


@dataclass(frozen=True)
class DemoSymptom:
    slug: str
    en: str
    ru: str


@dataclass(frozen=True)
class Topic:
    en: str  # the condition as members write it in a sentence
    ru: str
    treatments: tuple[DemoTreatment, ...]
    symptoms: tuple[DemoSymptom, ...]


T = DemoTreatment
S = DemoSymptom

TOPICS: dict[str, Topic] = {
    "type-2-diabetes": Topic("type 2 diabetes", "диабет 2 типа", (
        T("metformin", 0.82, "metformin", "метформин"),
        T("semaglutide", 0.26, "semaglutide", "семаглутид"),
        T("empagliflozin", 0.18, "empagliflozin", "эмпаглифлозин"),
        T("sitagliptin", 0.12, "sitagliptin", "ситаглиптин"),
        T("insulin-glargine", 0.12, "insulin glargine", "инсулин гларгин"),
        T("glipizide", 0.08, "glipizide", "глипизид"),
        T("aerobic-exercise", 0.3, "a walking routine", "ежедневная ходьба", drug=False),
    ), (
        S("fatigue", "tiredness", "усталость"),
        S("excessive-thirst", "thirst", "постоянная жажда"),
        S("high-blood-sugar", "high morning readings", "высокий сахар по утрам"),
        S("tingling", "tingling feet", "покалывание в стопах"),
        S("urinary-frequency", "frequent urination", "частое мочеиспускание"),
        S("blurred-vision", "blurred vision", "нечёткое зрение"),
    )),
    "major-depressive-disorder": Topic("depression", "депрессия", (
        T("sertraline", 0.36, "sertraline", "сертралин"),
        T("escitalopram", 0.32, "escitalopram", "эсциталопрам"),
        T("bupropion", 0.14, "bupropion", "бупропион"),
        T("fluoxetine", 0.12, "fluoxetine", "флуоксетин"),
        T("venlafaxine", 0.12, "venlafaxine", "венлафаксин"),
        T("mirtazapine", 0.08, "mirtazapine", "миртазапин"),
        T("cognitive-behavioral-therapy", 0.4, "CBT", "КПТ", drug=False),
    ), (
        S("depressed-mood", "low mood", "подавленное настроение"),
        S("insomnia", "poor sleep", "плохой сон"),
        S("fatigue", "low energy", "упадок сил"),
        S("apathy", "loss of interest", "потеря интереса"),
        S("difficulty-concentrating", "trouble concentrating", "трудности с концентрацией"),
        S("anxious-mood", "anxiety", "тревога"),
    )),
    "migraine": Topic("migraine", "мигрень", (
        T("sumatriptan", 0.55, "sumatriptan", "суматриптан"),
        T("topiramate", 0.2, "topiramate", "топирамат"),
        T("rizatriptan", 0.18, "rizatriptan", "ризатриптан"),
        T("erenumab", 0.15, "erenumab", "эренумаб"),
        T("propranolol", 0.15, "propranolol", "пропранолол"),
        T("amitriptyline", 0.14, "amitriptyline", "амитриптилин"),
    ), (
        S("migraine-attack", "migraine attacks", "приступы мигрени"),
        S("light-sensitivity", "light sensitivity", "светобоязнь"),
        S("nausea", "nausea", "тошнота"),
        S("sound-sensitivity", "sensitivity to noise", "чувствительность к шуму"),
        S("neck-pain", "neck pain", "боль в шее"),
        S("dizziness", "dizziness", "головокружение"),
    )),
    "rheumatoid-arthritis": Topic("rheumatoid arthritis", "ревматоидный артрит", (
        T("methotrexate", 0.76, "methotrexate", "метотрексат"),
        T("hydroxychloroquine", 0.26, "hydroxychloroquine", "гидроксихлорохин"),
        T("adalimumab", 0.24, "adalimumab", "адалимумаб"),
        T("prednisone", 0.2, "prednisone", "преднизон"),
        T("sulfasalazine", 0.12, "sulfasalazine", "сульфасалазин"),
        T("etanercept", 0.1, "etanercept", "этанерцепт"),
        T("tofacitinib", 0.08, "tofacitinib", "тофацитиниб"),
    ), (
        S("morning-stiffness", "morning stiffness", "утренняя скованность"),
        S("joint-swelling", "swollen knuckles", "отёк суставов"),
        S("joint-pain", "joint pain", "боль в суставах"),
        S("fatigue", "fatigue", "усталость"),
        S("dry-eyes", "dry eyes", "сухость глаз"),
    )),
    "multiple-sclerosis": Topic("MS", "рассеянный склероз", (
        T("ocrelizumab", 0.36, "ocrelizumab", "окрелизумаб"),
        T("dimethyl-fumarate", 0.2, "dimethyl fumarate", "диметилфумарат"),
        T("glatiramer-acetate", 0.16, "glatiramer", "глатирамер"),
        T("baclofen", 0.2, "baclofen", "баклофен"),
        T("fingolimod", 0.1, "fingolimod", "финголимод"),
        T("physical-therapy", 0.3, "physical therapy", "лечебная физкультура", drug=False),
    ), (
        S("fatigue", "fatigue", "усталость"),
        S("numbness", "numbness", "онемение"),
        S("balance-problems", "balance problems", "проблемы с равновесием"),
        S("brain-fog", "brain fog", "туман в голове"),
        S("spasticity", "spasticity", "спастичность"),
        S("heat-sensitivity", "heat sensitivity", "плохая переносимость жары"),
        S("bladder-urgency", "bladder urgency", "императивные позывы"),
    )),
    "fibromyalgia": Topic("fibromyalgia", "фибромиалгия", (
        T("duloxetine", 0.36, "duloxetine", "дулоксетин"),
        T("pregabalin", 0.3, "pregabalin", "прегабалин"),
        T("amitriptyline", 0.28, "amitriptyline", "амитриптилин"),
        T("activity-pacing", 0.3, "pacing", "распределение нагрузки", drug=False),
        T("yoga", 0.2, "gentle yoga", "мягкая йога", drug=False),
    ), (
        S("pain", "widespread pain", "разлитая боль"),
        S("unrefreshing-sleep", "unrefreshing sleep", "сон без отдыха"),
        S("brain-fog", "fibro fog", "туман в голове"),
        S("fatigue", "fatigue", "усталость"),
        S("muscle-pain", "muscle pain", "боль в мышцах"),
        S("headache", "headaches", "головные боли"),
    )),
    "epilepsy": Topic("epilepsy", "эпилепсия", (
        T("levetiracetam", 0.55, "levetiracetam", "леветирацетам"),
        T("lamotrigine", 0.4, "lamotrigine", "ламотриджин"),
        T("valproate", 0.14, "valproate", "вальпроат"),
        T("carbamazepine", 0.1, "carbamazepine", "карбамазепин"),
        T("lacosamide", 0.08, "lacosamide", "лакосамид"),
    ), (
        S("seizures", "breakthrough seizures", "приступы"),
        S("excessive-daytime-sleepiness", "drowsiness", "сонливость"),
        S("mood-swings", "mood swings", "перепады настроения"),
        S("memory-problems", "memory lapses", "провалы в памяти"),
        S("dizziness", "dizziness", "головокружение"),
        S("headache", "headaches", "головные боли"),
    )),
    "copd": Topic("COPD", "ХОБЛ", (
        T("albuterol", 0.7, "albuterol", "сальбутамол"),
        T("tiotropium", 0.5, "tiotropium", "тиотропий"),
        T("budesonide-formoterol", 0.34, "budesonide/formoterol", "будесонид/формотерол"),
        T("fluticasone-umeclidinium-vilanterol", 0.18, "a triple inhaler",
          "тройной ингалятор"),
        T("pulmonary-rehabilitation", 0.25, "pulmonary rehab", "лёгочная реабилитация",
          drug=False),
    ), (
        S("shortness-of-breath", "breathlessness", "одышка"),
        S("cough", "morning cough", "утренний кашель"),
        S("chest-tightness", "chest tightness", "стеснение в груди"),
        S("phlegm", "phlegm", "мокрота"),
        S("wheezing", "wheezing", "хрипы"),
        S("fatigue", "tiredness", "усталость"),
    )),
    "heart-failure": Topic("heart failure", "сердечная недостаточность", (
        T("furosemide", 0.55, "furosemide", "фуросемид"),
        T("sacubitril-valsartan", 0.45, "sacubitril/valsartan", "сакубитрил/валсартан"),
        T("bisoprolol", 0.4, "bisoprolol", "бисопролол"),
        T("dapagliflozin", 0.35, "dapagliflozin", "дапаглифлозин"),
        T("spironolactone", 0.3, "spironolactone", "спиронолактон"),
        T("carvedilol", 0.2, "carvedilol", "карведилол"),
        T("cardiac-rehabilitation", 0.15, "cardiac rehab", "кардиореабилитация", drug=False),
    ), (
        S("shortness-of-breath", "breathlessness", "одышка"),
        S("swelling-of-legs", "swollen ankles", "отёки лодыжек"),
        S("fatigue", "tiredness", "усталость"),
        S("nocturia", "night-time trips to the loo", "ночные походы в туалет"),
        S("dizziness", "dizziness", "головокружение"),
        S("palpitations", "palpitations", "сердцебиение"),
    )),
    "breast-cancer": Topic("breast cancer", "рак молочной железы", (
        T("radiation-therapy", 0.5, "radiotherapy", "лучевая терапия", drug=False),
        T("tamoxifen", 0.36, "tamoxifen", "тамоксифен"),
        T("letrozole", 0.34, "letrozole", "летрозол"),
        T("anastrozole", 0.2, "anastrozole", "анастрозол"),
        T("trastuzumab", 0.15, "trastuzumab", "трастузумаб"),
    ), (
        S("hot-flashes", "hot flushes", "приливы"),
        S("joint-pain", "joint pain", "боль в суставах"),
        S("fatigue", "fatigue", "усталость"),
        S("brain-fog", "brain fog", "туман в голове"),
        S("insomnia", "poor sleep", "плохой сон"),
        S("anxious-mood", "worry", "тревога"),
    )),
    "bipolar-disorder": Topic("bipolar disorder", "биполярное расстройство", (
        T("lithium", 0.45, "lithium", "литий"),
        T("lamotrigine", 0.35, "lamotrigine", "ламотриджин"),
        T("quetiapine", 0.3, "quetiapine", "кветиапин"),
        T("aripiprazole", 0.12, "aripiprazole", "арипипразол"),
        T("olanzapine", 0.08, "olanzapine", "оланзапин"),
    ), (
        S("mood-swings", "mood swings", "перепады настроения"),
        S("depressed-mood", "low moods", "подавленное настроение"),
        S("elevated-mood", "high moods", "подъёмы настроения"),
        S("insomnia", "sleep changes", "нарушения сна"),
        S("irritability", "irritability", "раздражительность"),
        S("weight-gain", "weight gain", "набор веса"),
    )),
    "crohns-disease": Topic("Crohn's", "болезнь Крона", (
        T("adalimumab", 0.32, "adalimumab", "адалимумаб"),
        T("infliximab", 0.3, "infliximab", "инфликсимаб"),
        T("budesonide", 0.3, "budesonide", "будесонид"),
        T("azathioprine", 0.2, "azathioprine", "азатиоприн"),
        T("ustekinumab", 0.15, "ustekinumab", "устекинумаб"),
        T("vedolizumab", 0.1, "vedolizumab", "ведолизумаб"),
    ), (
        S("abdominal-pain", "cramping", "спазмы в животе"),
        S("diarrhea", "diarrhoea", "диарея"),
        S("bowel-urgency", "urgency", "срочные позывы"),
        S("fatigue", "fatigue", "усталость"),
        S("joint-pain", "joint aches", "боль в суставах"),
        S("loss-of-appetite", "poor appetite", "плохой аппетит"),
    )),
    "lupus": Topic("lupus", "волчанка", (
        T("hydroxychloroquine", 0.85, "hydroxychloroquine", "гидроксихлорохин"),
        T("prednisone", 0.4, "prednisone", "преднизон"),
        T("mycophenolate-mofetil", 0.16, "mycophenolate", "микофенолат"),
        T("belimumab", 0.15, "belimumab", "белимумаб"),
        T("azathioprine", 0.08, "azathioprine", "азатиоприн"),
    ), (
        S("joint-pain", "joint pain", "боль в суставах"),
        S("rash", "rashes", "сыпь"),
        S("fatigue", "fatigue", "усталость"),
        S("hair-loss", "hair loss", "выпадение волос"),
        S("mouth-ulcers", "mouth ulcers", "язвочки во рту"),
        S("fever", "low fevers", "субфебрильная температура"),
    )),
    "parkinsons-disease": Topic("Parkinson's", "болезнь Паркинсона", (
        T("levodopa-carbidopa", 0.85, "levodopa", "леводопа"),
        T("pramipexole", 0.3, "pramipexole", "прамипексол"),
        T("rasagiline", 0.2, "rasagiline", "разагилин"),
        T("amantadine", 0.15, "amantadine", "амантадин"),
        T("physical-therapy", 0.4, "physical therapy", "лечебная физкультура", drug=False),
    ), (
        S("tremor", "tremor", "тремор"),
        S("stiffness", "stiffness", "скованность"),
        S("slowness-of-movement", "slowness", "замедленность движений"),
        S("insomnia", "sleep problems", "проблемы со сном"),
        S("constipation", "constipation", "запоры"),
        S("balance-problems", "balance problems", "проблемы с равновесием"),
    )),
    "hiv": Topic("HIV", "ВИЧ", (
        T("bictegravir-emtricitabine-tenofovir-alafenamide", 0.55,
          "the bictegravir combination", "комбинация с биктегравиром"),
        T("dolutegravir-lamivudine", 0.22, "dolutegravir/lamivudine", "долутегравир/ламивудин"),
        T("dolutegravir", 0.15, "dolutegravir", "долутегравир"),
        T("cabotegravir-rilpivirine", 0.1, "long-acting injections",
          "инъекции длительного действия"),
    ), (
        S("fatigue", "fatigue", "усталость"),
        S("nausea", "nausea", "тошнота"),
        S("nightmares", "vivid dreams", "яркие сны"),
        S("insomnia", "poor sleep", "плохой сон"),
        S("diarrhea", "diarrhoea", "диарея"),
        S("headache", "headaches", "головные боли"),
    )),
    "als": Topic("ALS", "БАС", (
        T("riluzole", 0.85, "riluzole", "рилузол"),
        T("physical-therapy", 0.5, "physical therapy", "лечебная физкультура", drug=False),
        T("non-invasive-ventilation", 0.35, "a BiPAP machine", "аппарат BiPAP", drug=False),
        T("baclofen", 0.3, "baclofen", "баклофен"),
        T("edaravone", 0.25, "edaravone", "эдаравон"),
    ), (
        S("muscle-weakness", "weak grip", "слабость в руках"),
        S("cramps", "muscle cramps", "судороги в мышцах"),
        S("difficulty-swallowing", "slow eating", "трудности с едой"),
        S("slurred-speech", "speech changes", "изменения речи"),
        S("fatigue", "fatigue", "усталость"),
        S("muscle-twitching", "twitching", "подёргивания мышц"),
    )),
}

# Conditions demo patients also live with but that have no community here: treatments only.
# condition slug -> (share of patients, treatments)
ALSO_TREATED: dict[str, tuple[float, tuple[DemoTreatment, ...]]] = {
    "hypothyroidism": (0.08, (
        T("levothyroxine", 0.92, "levothyroxine", "левотироксин"),
        T("liothyronine", 0.06, "liothyronine", "лиотиронин"),
    )),
    "hypertension": (0.14, (
        T("amlodipine", 0.38, "amlodipine", "амлодипин"),
        T("lisinopril", 0.34, "lisinopril", "лизиноприл"),
        T("losartan", 0.24, "losartan", "лозартан"),
        T("hydrochlorothiazide", 0.14, "hydrochlorothiazide", "гидрохлоротиазид"),
    )),
    "generalized-anxiety-disorder": (0.05, (
        T("escitalopram", 0.4, "escitalopram", "эсциталопрам"),
        T("sertraline", 0.36, "sertraline", "сертралин"),
        T("venlafaxine", 0.14, "venlafaxine", "венлафаксин"),
    )),
}


@dataclass(frozen=True)
class ThreadKindText:
    """One kind of conversation: a title, opening posts and replies that fit it.

    Slots: {treatment}, {symptom}, {condition}, {months}, {weeks}. `needs` says which of
    treatment or symptom the conversation is about ("" for neither).
    """

    needs: str
    titles: tuple[str, ...]
    openers: tuple[str, ...]
    replies: tuple[str, ...]


DISCUSSIONS_EN: tuple[ThreadKindText, ...] = (
    ThreadKindText("treatment", (
        "Tips for the first weeks of {treatment}",
        "Starting {treatment} soon: what helped you settle in?",
    ), (
        "My clinician and I agreed I will try {treatment} for my {condition}. For those who "
        "have been through the first weeks, what was it like?\n\nI am just curious how it "
        "went for others.",
        "My first week on {treatment} is done. So far it is going fine, a little {symptom} "
        "but nothing dramatic.\n\nWhat helped you in the first month?",
    ), (
        "The first two weeks on {treatment} were the hardest for me, then things settled.",
        "Take it at the same time every day. A phone reminder made all the difference.",
        "Keep a short diary of how you feel on {treatment}. It made my follow-up "
        "appointment much more useful.",
        "Give it time. I almost gave up on {treatment} after three weeks and I am glad I "
        "kept going.",
        "Write your questions down before the first check-up, it comes around quickly.",
        "Good luck with it! I have been on {treatment} for {months} months now and it has "
        "been steady.",
    )),
    ThreadKindText("treatment", (
        "{months} months on {treatment}: my experience",
        "My {months} months with {treatment}, for anyone deciding",
    ), (
        "I have been on {treatment} for {months} months now ({condition}) and wanted to "
        "write down how it has gone.\n\nThe first weeks were rough, "
        "but my {symptom} is noticeably better now. I still have bad days, just fewer of "
        "them.\n\nHappy to answer questions about my experience.",
    ), (
        "Thank you for writing this up. I am about to start {treatment} and this is "
        "reassuring.",
        "Similar story here: my {symptom} took about {weeks} weeks to ease on {treatment}.",
        "Glad it is working for you. It did not suit me, but everyone is different.",
        "Did you notice anything in the first weeks? I am at week two and a bit tired.",
        "This matches my experience almost exactly. Fewer bad days is a real win.",
    )),
    ThreadKindText("symptom", (
        "How do you cope with {symptom}?",
        "{symptom} getting worse in the evenings",
    ), (
        "{symptom} has been the hardest part of my {condition} lately. Some days it decides "
        "how the whole day goes.\n\nWhat helps you on the bad days? Practical tricks very "
        "welcome.",
        "Is anyone else finding their {symptom} worse as the day goes on? Mornings are fine "
        "and by dinner I am struggling.\n\nCurious whether this is common with {condition}.",
    ), (
        "Pacing helps me most: I plan the heavy things for my better hours and rest before "
        "I crash.",
        "I keep a diary of my {symptom}. After a month I could see what made it worse.",
        "Sleep matters more than anything for me. A fixed bedtime made a real difference.",
        "Sending you strength. On bad days I lower the bar and count small things as wins.",
        "Mine follows the same pattern. Writing it down helped me explain it at my "
        "appointments.",
    )),
    ThreadKindText("both", (
        "Did {treatment} help your {symptom}?",
        "{treatment} and {symptom}: your experiences",
    ), (
        "I am reading about {treatment} before my next appointment. For those who take it: "
        "did it change your {symptom}, and how long did it take?\n\nJust collecting "
        "experiences so I can ask better questions.",
    ), (
        "In my case the {symptom} eased on {treatment}, but it took a good {weeks} weeks.",
        "It did not change my {symptom} much, but other things got better.",
        "Yes, slowly. The difference was clear by the second month.",
        "Mixed for me: better for a while, then I needed other changes too.",
        "Good idea to collect experiences first. Everyone's response seems different.",
    )),
    ThreadKindText("", (
        "Newly diagnosed with {condition}",
        "Just diagnosed and a bit overwhelmed",
    ), (
        "I was diagnosed with {condition} last month and I am still taking it in. My "
        "{symptom} is what took me to the doctor in the first place.\n\nHow did you find "
        "your feet in the first year?",
    ), (
        "Welcome. The first year is a lot, and it does get easier once you have a routine.",
        "Take it one step at a time and write your questions down for appointments.",
        "This community helped me a lot when I was new. Ask anything.",
        "I felt exactly the same. Give yourself time, and be kind to yourself.",
        "The charities' websites were a calm place to read when I was new.",
    )),
    ThreadKindText("", (
        "Good moments lately",
        "A good week, for once",
    ), (
        "I got out for a short walk most days, even with the {symptom}, and I felt proud of "
        "it.\n\nHow has your week been?",
    ), (
        "Love this! Mine: I cooked dinner twice this week.",
        "Well done. A walk every day is not small at all.",
        "My win: a full night of sleep for the first time in a while.",
        "Great to read something positive. I finally booked the appointment I kept putting "
        "off.",
        "I went back to my choir after two months away. It felt wonderful.",
    )),
)

DISCUSSIONS_RU: tuple[ThreadKindText, ...] = (
    ThreadKindText("treatment", (
        "Первые недели лечения ({treatment}): как это было?",
        "Первый месяц лечения ({treatment}): как это было у вас?",
    ), (
        "Недавно начала новое лечение ({treatment}). Как прошли первые недели у вас?\n\n"
        "Интересно почитать про ваш опыт.",
        "Первая неделя позади ({treatment}). Пока всё нормально, самочувствие "
        "ровное.\n\nКак у вас прошёл первый месяц?",
    ), (
        "Первые две недели были самыми тяжёлыми, потом всё пришло в норму.",
        "Принимайте в одно и то же время каждый день. Напоминание в телефоне очень "
        "помогает.",
        "Ведите короткий дневник самочувствия. На приёме у врача это очень пригодилось.",
        "Дайте лечению время. Я чуть не бросила через три недели и рада, что продолжила.",
        "Я записывала вопросы перед каждым приёмом, так ничего не забываешь.",
        "Удачи! Я уже {months} мес. на этом лечении, всё стабильно.",
    )),
    ThreadKindText("treatment", (
        "Мой опыт: {treatment}, {months} мес.",
    ), (
        "Уже {months} мес. принимаю препарат ({treatment}) и хочу рассказать, как идут дела, "
        "вдруг кому-то пригодится.\n\nПервые недели были непростыми, но сейчас "
        "{symptom} заметно меньше беспокоит. Плохие дни бывают, просто реже.\n\n"
        "Отвечу на вопросы о своём опыте.",
    ), (
        "Спасибо, что так подробно написали. Я как раз собираюсь начинать, это обнадёживает.",
        "У меня похоже: улучшение пришло примерно через {weeks} нед.",
        "Рада, что вам подходит. Мне не подошло, но все мы разные.",
        "А в первые недели что-то замечали? У меня вторая неделя, немного устаю.",
        "Почти слово в слово мой опыт. Меньше плохих дней — это уже победа.",
    )),
    ThreadKindText("symptom", (
        "{symptom}: как вы справляетесь?",
        "{symptom} — к вечеру всё хуже. У кого так же?",
    ), (
        "Последнее время тяжелее всего даётся вот это: {symptom}. Иногда это определяет "
        "весь день.\n\nЧто помогает вам в плохие дни? Буду рада практическим советам.",
    ), (
        "Мне больше всего помогает распределять нагрузку: важные дела на лучшие часы, "
        "отдых заранее.",
        "Веду дневник симптомов: через месяц стало понятно, от чего они усиливаются.",
        "Для меня главное — сон. Ложиться в одно и то же время очень помогло.",
        "Держитесь. В плохие дни я снижаю планку и радуюсь мелочам.",
        "У меня так же. Записи помогли объяснить это на приёме.",
    )),
    ThreadKindText("", (
        "Недавно поставили диагноз: {condition}",
        "Диагноз: {condition}. Как вы освоились в первый год?",
    ), (
        "Месяц назад мне поставили диагноз ({condition}), и я всё ещё привыкаю к этой "
        "мысли.\n\nКак вы освоились в первый год?",
    ), (
        "Добро пожаловать. Первый год — это много всего, но с режимом становится легче.",
        "Шаг за шагом. И записывайте вопросы к приёму врача.",
        "Это сообщество очень помогло мне, когда я только пришла. Спрашивайте.",
        "У меня было точно так же. Дайте себе время и будьте к себе бережны.",
    )),
    ThreadKindText("", (
        "Маленькие победы этой недели",
    ), (
        "На этой неделе я каждый день понемногу гуляла, несмотря ни на что. Мелочь, а "
        "приятно.\n\nА какие победы были у вас?",
    ), (
        "Здорово! Моя победа: дважды за неделю приготовила ужин.",
        "Молодец! Прогулка каждый день — совсем не мелочь.",
        "У меня впервые за долгое время была целая ночь нормального сна.",
        "Приятно читать что-то хорошее. Я наконец записался к врачу, которого всё "
        "откладывал.",
    )),
)

ASK_EN: tuple[ThreadKindText, ...] = (
    ThreadKindText("treatment", (
        "How does {treatment} work, in general?",
    ), (
        "I keep reading about {treatment} in this community. Could a clinician explain in "
        "general terms how it works and what it is used for in {condition}?\n\nNot about "
        "my own case, I am just trying to understand it.",
    ), (
        "In general terms, {treatment} is one of the established options in {condition}. "
        "Guidelines describe how it is usually started, how it is monitored, and how long "
        "it often takes before people notice a change. The right choice for any one person "
        "depends on their history, so that part is a conversation with their own care team."
        "\n\nThe patient leaflet and your national health service's pages are good, reliable "
        "places to read more.",
    )),
    ThreadKindText("symptom", (
        "What is usually checked at {condition} follow-up appointments?",
    ), (
        "What do clinicians usually look at in routine follow-up for {condition}? I would "
        "like to understand what the usual tests are for.",
    ), (
        "Routine follow-up for {condition} usually covers how symptoms such as {symptom} "
        "have changed, how treatment is going, side effects, and some regular tests that "
        "depend on the condition and the treatment. A short symptom diary makes the "
        "appointment much more useful. Your own team will explain which checks apply to "
        "you.",
    )),
)

ASK_RU: tuple[ThreadKindText, ...] = (
    ThreadKindText("treatment", (
        "Как в целом действует препарат: {treatment}?",
    ), (
        "Здесь часто пишут про этот препарат ({treatment}). Может ли специалист в общих "
        "чертах объяснить, как он действует и зачем его применяют (диагноз: {condition})?"
        "\n\nСпрашиваю не про свой случай, просто хочу разобраться.",
    ), (
        "В общих чертах: это один из признанных вариантов лечения при таком диагнозе. В "
        "клинических рекомендациях описано, как обычно начинают лечение и как его "
        "контролируют. Что подходит конкретному человеку, решается вместе с лечащим "
        "врачом.",
    )),
)

# Replies that fit any discussion, for longer threads.
GENERIC_EN = (
    "Thank you for sharing this, it helps to know I am not the only one.",
    "Following this thread, it is useful to read.",
    "Sending good wishes your way.",
    "Same here. This community is a comfort on the hard weeks.",
    "Really helpful to read everyone's experience side by side.",
    "Thanks everyone, I will bring these notes to my next appointment.",
    "Rooting for you. Small steps count.",
    "I found this thread at exactly the right time, thank you.",
)
GENERIC_RU = (
    "Спасибо, что поделились. Приятно знать, что я не одна такая.",
    "Подписываюсь на тему, очень полезно.",
    "Желаю вам сил и хороших дней.",
    "У меня так же. Это сообщество очень поддерживает в тяжёлые недели.",
    "Очень полезно читать опыт всех сразу.",
    "Спасибо всем, возьму эти заметки на следующий приём.",
)
THANKS_EN = ("Thank you all, this is really helpful.",
             "Thanks everyone, I feel much better prepared now.")
THANKS_RU = ("Спасибо всем, это очень помогло.", "Спасибо, теперь мне гораздо спокойнее.")

ABOUT_EN = (
    "Living with {condition} since {year}. Here to share what works and what does not.",
    "Diagnosed with {condition} in {year}. I like gardening, long walks and good books.",
    "Parent, reader, and learning to live well with {condition}.",
)
ABOUT_RU = (
    "Живу с диагнозом ({condition}) с {year} года. Делюсь тем, что помогает.",
    "Диагноз поставили в {year} году ({condition}). Люблю книги и прогулки.",
)
