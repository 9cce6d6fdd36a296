"""Word lists the detectors share: medicines, relatives, clinicians, eponyms, names."""

from __future__ import annotations

import re

from zxcvbn.frequency_lists import FREQUENCY_LISTS

# Medicines and medicine words, English and Russian stems; suffixes catch the rest
# (-mab biologics, -pril, -sartan, -olol, -statin, -prazole, -cillin, -mycin, ...).
_DRUG_WORDS_EN = r"""
metformin insulin lantus levemir novorapid humalog tresiba toujeo ozempic wegovy mounjaro
trulicity victoza jardiance farxiga januvia levothyroxine levo synthroid eltroxin thyroxine
liothyronine armour carbimazole methimazole prednisone prednisolone pred hydrocortisone
dexamethasone methotrexate mtx plaquenil hydroxychloroquine sulfasalazine leflunomide
azathioprine mycophenolate cellcept humira enbrel remicade stelara rinvoq xeljanz entyvio
skyrizi cosentyx taltz dupixent rituximab ocrevus tysabri benlysta tepezza sertraline zoloft
fluoxetine prozac citalopram celexa escitalopram lexapro paroxetine venlafaxine effexor
duloxetine cymbalta bupropion wellbutrin mirtazapine amitriptyline nortriptyline trazodone
lithium lamotrigine lamictal quetiapine seroquel aripiprazole abilify olanzapine risperidone
clonazepam klonopin lorazepam ativan diazepam valium alprazolam xanax zolpidem ambien
melatonin gabapentin neurontin pregabalin lyrica tramadol oxycodone hydrocodone morphine
codeine fentanyl buprenorphine naltrexone ldn ibuprofen advil motrin nurofen naproxen aleve
diclofenac celecoxib aspirin paracetamol acetaminophen tylenol calpol sumatriptan topiramate
propranolol amlodipine lisinopril ramipril enalapril losartan valsartan bisoprolol metoprolol
atenolol carvedilol hydrochlorothiazide hctz furosemide lasix spironolactone warfarin
coumadin eliquis apixaban xarelto rivaroxaban clopidogrel plavix atorvastatin lipitor
rosuvastatin crestor simvastatin statin statins ezetimibe omeprazole prilosec pantoprazole
lansoprazole esomeprazole nexium famotidine ondansetron zofran loperamide mesalamine
mesalazine budesonide antibiotic antibiotics amoxicillin augmentin azithromycin doxycycline
ciprofloxacin cipro levofloxacin nitrofurantoin metronidazole flagyl clindamycin cephalexin
keflex penicillin bactrim trimethoprim fluconazole valacyclovir acyclovir albuterol
salbutamol ventolin symbicort advair seretide fluticasone montelukast singulair spiriva
cetirizine zyrtec loratadine claritin benadryl diphenhydramine epipen adrenaline epinephrine
allopurinol colchicine febuxostat alendronate fosamax zoledronic prolia ferrous iron
adderall ritalin methylphenidate vyvanse concerta isotretinoin accutane estradiol
progesterone testosterone letrozole tamoxifen anastrozole viagra sildenafil cialis
ivermectin cbd biologic biologics biosimilar steroid steroids ppi nsaid nsaids ssri
antidepressant antidepressants benzo benzos opioids inhaler meds medication medications
pills pill tablets tablet capsules dose doses dosage oxy oxys percocet vicodin semaglutide
tirzepatide empagliflozin
dapagliflozin sitagliptin gliclazide glipizide vitamin b12 folic mirena plan-b chemo
"""
_DRUG_STEMS_RU = r"""
метформин глюкофаж сиофор инсулин лантус левемир новорапид хумалог туджео тресиба оземпик
трулисити виктоза семаглутид форсиг джардинс диабетон гликлазид эутирокс тироксин
левотироксин тирозол преднизолон метипред дексаметазон гидрокортизон метотрексат
методжект плаквенил гидроксихлорохин сульфасалазин арава лефлуномид азатиоприн хумир
адалимумаб энбрел ремикейд инфликсимаб стелар ринвок ксельянз актемр ритуксимаб
сертралин золофт флуоксетин эсциталопрам ципралекс пароксетин венлафаксин дулоксетин
бупропион миртазапин амитриптилин лити ламотриджин кветиапин феназепам клоназепам
габапентин прегабалин лирик трамадол ибупрофен нурофен найз нимесил нимесулид
диклофенак вольтарен кеторол аспирин кардиомагнил парацетамол панадол цефекон но-шп
суматриптан амлодипин лизиноприл эналаприл лозартан валсартан бисопролол конкор
метопролол гипотиазид индапамид фуросемид верошпирон спиронолактон варфарин эликвис
ксарелто клопидогрел аторвастатин розувастатин статин омепразол пантопразол нексиум
месалазин салофальк будесонид антибиотик амоксициллин амоксиклав флемоксин аугментин
азитромицин сумамед доксициклин ципрофлоксацин цефтриаксон метронидазол флуконазол
ацикловир сальбутамол вентолин беродуал симбикорт монтелукаст супрастин зиртек
цетиризин лоратадин аллопуринол колхицин алендронат золедронов желез мальтофер сорбифер
фолиев витамин бад гормон таблет лекарств препарат доз укол капельниц мелатонин
"""
_DRUG_SUFFIX_EN = (
    r"[a-z]{2,}(?:mab|nib|pril|sartan|olol|statin|prazole|cillin|mycin|cycline|floxacin"
    r"|glutide|gliptin|gliflozin|dipine|triptan|azepam|zolam|tidine|afil|setron|parin|xaban)"
)
_DRUG_SUFFIX_RU = (
    r"[а-я]{2,}(?:маб|ниб|прил|сартан|олол|статин|празол|циллин|мицин|циклин|флоксацин)[а-я]*"
)

DRUG = (
    r"(?:"
    + "|".join(sorted(_DRUG_WORDS_EN.split(), key=len, reverse=True))
    + r"|"
    + _DRUG_SUFFIX_EN
    + r")s?\b|(?:"
    + "|".join(sorted(_DRUG_STEMS_RU.split(), key=len, reverse=True))
    + r")[а-я]*|"
    + _DRUG_SUFFIX_RU
)
DRUG_RE = re.compile(r"\b(?:" + DRUG + ")")

DOSE = (
    r"\d+(?:[.,]\d+)?\s?(?:mg|mcg|µg|ug|g|ml|iu|units?|puffs?|tabs?|tablets?|pills?|drops?"
    r"|мг|мкг|г|мл|ме|ед(?:иниц[аы]?)?|таб(?:л(?:етк[аиуе]|еток)?)?|капел[ья]|капсул[аеуы]?)\b"
    r"|\d+(?:[.,]\d+)?\s?mg/kg|\b(?:half|a half|1/2|1/4|полтаблетки|половин[уа] таблетки"
    r"|четверть)\b"
)
DOSE_RE = re.compile(DOSE)

RELATIVE_EN = (
    r"(?:son|daughter|kid|kids|child|baby|toddler|boy|girl|mom|mum|mother|mam|dad|father"
    r"|husband|hubby|wife|partner|boyfriend|girlfriend|brother|sister|grandma|grandmother|nan"
    r"|nana|granny|grandpa|grandfather|grandad|granddad|aunt|uncle|niece|nephew|fiance|fiancee"
    r"|teen|teenager|infant|newborn|stepson|stepdaughter|parents?|grandson|granddaughter)"
)
RELATIVE_RU = (
    r"(?:сын[аеуо]?м?|сынок|сынишк[аеу]|доч(?:ь|ке|ка|ки|ери|урке|урка|ечке)|реб[её]н(?:ок|ку|ка)"
    r"|дет(?:и|ям|ей)|малыш[ау]?|мам[аеуы]|маму|мамочк[аеи]|пап[аеуы]|муж[ау]?|жен[аеуы]|брат[ау]?"
    r"|сестр[аеуы]|бабушк[аеиу]|дедушк[аеиу]|свекров[ьи]|тещ[аеи]|внук[ау]?|внучк[аеиу]|свекр[ау]?)"
)

CLINICIAN_EN = (
    r"(?:doctor|doc|dr|gp|pcp|neurologist|neuro|rheumatologist|rheumy|rheum|oncologist|onc"
    r"|endocrinologist|endo|cardiologist|surgeon|therapist|psychiatrist|psych|psychologist|nurse"
    r"|midwife|pharmacist|dentist|consultant|physio|physiotherapist|counsellor|counselor"
    r"|specialist|dermatologist|derm|gastroenterologist|gastro|hematologist|haematologist"
    r"|nephrologist|nephro|urologist|gynecologist|gynaecologist|gyno|obgyn|ob-gyn|paediatrician"
    r"|pediatrician|carer|caregiver|social worker|hepatologist|pulmonologist|allergist|optometrist"
    r"|ophthalmologist|podiatrist|dietitian|dietician|np|pa)"
)
CLINICIAN_RU = (
    r"(?:доктор|врач|профессор|хирург|терапевт|педиатр|невролог|невропатолог|кардиолог"
    r"|эндокринолог|ревматолог|онколог|гинеколог|уролог|гастроэнтеролог|психиатр|психотерапевт"
    r"|психолог|офтальмолог|окулист|лор|дерматолог|нефролог|гематолог|медсестр|фельдшер|акушерк"
    r"|заведующ|аллерголог|пульмонолог|гепатолог|инфекционист|травматолог|ортопед|нейрохирург"
    r"|маммолог|стоматолог|фтизиатр|иммунолог|флеболог|проктолог|диетолог|физиотерапевт)"
    r"[а-я]*"
)

# Names that live on as diseases, signs and institutions: not persons to protect.
_EPONYM_WORDS = """
hashimoto addison crohn parkinson hodgkin sjogren sjögren graves cushing alzheimer tourette
asperger bell huntington raynaud meniere ménière wilson lyme down guillain barre barré barrett
kawasaki marfan ehlers danlos behcet behçet paget still reiter kaposi burkitt wegener tay sachs
epstein barr dupuytren peyronie osgood schlatter perthes munchausen charcot gehrig hirschsprung
stevens johnson creutzfeldt jakob whipple willebrand gilbert kallmann turner klinefelter rett
prader willi angelman tietze baker bright fabry gaucher pompe duchenne becker leber scheuermann
bechterew takayasu horton sheehan conn hurler quincke mantoux koch heberden bouchard babinski
romberg apgar heimlich valsalva epley google house oz phil seuss pepper martens scholl strange
who watson jekyll quinn ruth mary's mary thomas' guy's barts хашимото аддисон крон паркинсон
ходжкин шегрен грейвс кушинг иценко альцгеймер туретт аспергер белл хантингтон рейно меньер
вильсон лайм даун гийен барре бехтерев базедов боткин квинке жильбер манту шанц кох бехчет
педжет марфан элерс данло такаясу хортон вегенер рейтер верльгоф виллебранд дюшенн гоше фабри
пирке бубновск кузнецов хаус склифосовск пирогов бурденко сеченов филатов бакулев алмазов
мечников морозов гаазе ленин гагарин пушкин
"""
EPONYMS = frozenset(_EPONYM_WORDS.split())

# Public figures patients mention for their conditions; naming them exposes no one.
_PUBLIC_FIGURE_NAMES = """
selena gomez|michael fox|michael j fox|lady gaga|celine dion|venus williams|serena williams
|halsey|stephen hawking|muhammad ali|robin williams|christina applegate|bruce willis|toni braxton
|nick jonas|halle berry|tom hanks|sonia sotomayor|kim kardashian|justin bieber|hailey bieber
|jennifer aniston|mary poppins|sherlock holmes|gregory house|john watson|mark hyman|harry potter
|john hopkins|johns hopkins|mayo clinic|selma blair|mariah carey|sharon stone|ben stiller
|missy elliott|ryan white|agatha christie|carrie fisher|stephen fry|demi lovato|angelina jolie
|jamie-lynn sigler|jack osbourne|ozzy osbourne|elton john|freddie mercury|magic johnson
|steve jobs|frida kahlo|princess diana|prince harry|billy connolly|michael douglas
|james earl jones|mary tyler moore|sonia sotomayor|nick cannon|jim carrey|tom daley
|комаровский|мясников|малышева|елена малышева|евгений комаровский|александр мясников
"""
PUBLIC_FIGURES = frozenset(
    name.strip() for name in _PUBLIC_FIGURE_NAMES.replace("\n", "").split("|")
)
PUBLIC_SURNAMES_RU = ("комаровск", "мясников", "малышев", "хаус", "айболит")

# Words that follow "doctor"/"dr" but are not names, even if the census lists them.
_NOT_NAME_WORDS = """
said says told tells will would may might can could should did does do has had have is was and
or but who which that the a an my your his her our their at in on to for of with from
appointment appointments appt appts apt visit visits office offices note notes letter referral
report bill check checkup check-up surgery clinic practice phone call calls portal today
yesterday tomorrow again also just never always then when if so says-so asap prescribed
recommended suggested ordered ran put gave changed upped lowered increased reduced switched
stopped started wants wanted thinks thought agreed refused
"""
NOT_NAMES_AFTER_TITLE = frozenset(_NOT_NAME_WORDS.split())

_ORG_WORDS = """
hospital clinic foundation society center centre care health university institute trust disease
syndrome palsy lymphoma day street road avenue lane pharmacy surgery medical group association
network unit ward school college college's fund charity
"""
ORG_WORDS = frozenset(_ORG_WORDS.split())

# zxcvbn keeps each word in one list only, so census names are absent from these two.
COMMON_WORDS = frozenset(FREQUENCY_LISTS["english_wikipedia"]) | frozenset(
    FREQUENCY_LISTS["us_tv_and_film"]
)
FIRST_NAMES = frozenset(FREQUENCY_LISTS["female_names"]) | frozenset(FREQUENCY_LISTS["male_names"])
SURNAMES = frozenset(FREQUENCY_LISTS["surnames"])

_RU_FIRST_NAME_WORDS = """
александр алексей анатолий андрей антон аркадий арсений артем артур богдан борис вадим валентин
валерий василий виктор виталий владимир владислав вячеслав геннадий георгий глеб григорий давид
даниил денис дмитрий евгений егор иван игорь илья кирилл константин лев леонид максим марк
матвей михаил никита николай олег павел петр роман руслан семен сергей станислав степан тимофей
тимур федор филипп эдуард юрий ярослав александра алена алина алиса алла анастасия ангелина анна
антонина валентина валерия вера вероника виктория галина дарья диана ева евгения екатерина елена
елизавета жанна зинаида зоя инна ирина карина кира кристина ксения лариса лидия любовь людмила
маргарита марина мария милана надежда наталья наталия нина оксана олеся ольга полина раиса
светлана софия софья тамара татьяна ульяна юлия яна
саша шура леша лёша андрюша антоша боря вадик валера вася витя володя вова слава гена гоша гриша
дима женя жора ваня игорек илюша костя макс миша коля толя олежка паша петя рома сережа серёжа
стас степа тима федя юра аленка аля аня галя даша катя лиза лена лера вика зина ира карина ксюша
лара лида люба люда рита маша надя наташа оля поля рая света соня тома таня уля юля
"""
RU_FIRST_NAMES = frozenset(_RU_FIRST_NAME_WORDS.split())
