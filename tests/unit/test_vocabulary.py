"""The curated vocabularies: content, validation and autocomplete."""

from __future__ import annotations

import csv
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from outcomes.catalog.vocabulary import (
    DATA_DIR,
    SLUG_PATTERN,
    MatchRank,
    VocabularyError,
    load_conditions,
    load_side_effects,
    load_symptoms,
    load_treatments,
    match_terms,
    normalize_term,
)

CONDITIONS = load_conditions()
TREATMENTS = load_treatments()
SYMPTOMS = load_symptoms()
SIDE_EFFECTS = load_side_effects()


def test_vocabularies_meet_minimum_sizes() -> None:
    drugs = [t for t in TREATMENTS.values() if t.kind == "drug"]
    non_drugs = [t for t in TREATMENTS.values() if t.kind == "non_drug"]
    side_effect_only = [s for s in SIDE_EFFECTS.values() if not s.is_symptom]
    assert len(CONDITIONS) >= 31
    assert len(drugs) >= 160
    assert len(non_drugs) >= 15
    assert len(SYMPTOMS) >= 70
    assert len(side_effect_only) >= 25


@pytest.mark.parametrize("file_name", sorted(p.name for p in DATA_DIR.glob("*.csv")))
def test_every_row_has_a_unique_well_formed_slug(file_name: str) -> None:
    with (DATA_DIR / file_name).open(encoding="utf-8", newline="") as handle:
        slugs = [row["slug"] for row in csv.DictReader(handle)]
    assert len(slugs) == len(set(slugs))
    assert all(SLUG_PATTERN.match(slug) for slug in slugs)


@pytest.mark.parametrize(
    ("slug", "icd10"),
    [
        ("als", "G12.21"),
        ("multiple-sclerosis", "G35"),
        ("parkinsons-disease", "G20"),
        ("epilepsy", "G40"),
        ("type-2-diabetes", "E11"),
        ("major-depressive-disorder", "F32.9"),
        ("bipolar-disorder", "F31"),
        ("hiv", "B20"),
        ("lupus", "M32"),
        ("rheumatoid-arthritis", "M06.9"),
        ("crohns-disease", "K50"),
        ("fibromyalgia", "M79.7"),
        ("migraine", "G43"),
        ("copd", "J44"),
        ("heart-failure", "I50"),
        ("breast-cancer", "C50"),
        ("generalized-anxiety-disorder", "F41.1"),
        ("long-covid", "U09.9"),
    ],
)
def test_named_conditions_have_their_icd10_codes(slug: str, icd10: str) -> None:
    assert CONDITIONS[slug].icd10 == icd10


def test_every_condition_has_a_plain_one_sentence_description() -> None:
    for condition in CONDITIONS.values():
        assert condition.description.endswith(".")
        assert condition.description.count(". ") == 0, condition.slug


def test_treatments_refer_to_existing_conditions_and_cover_them_all() -> None:
    used = {slug for treatment in TREATMENTS.values() for slug in treatment.conditions}
    assert used <= CONDITIONS.keys()
    assert used == CONDITIONS.keys()


@pytest.mark.parametrize(
    ("slug", "brand", "drug_class"),
    [
        ("riluzole", "Rilutek", "glutamate release inhibitor"),
        ("edaravone", "Radicava", "free radical scavenger"),
        ("ocrelizumab", "Ocrevus", "anti-CD20 monoclonal antibody"),
        ("natalizumab", "Tysabri", "integrin receptor antagonist"),
        ("dimethyl-fumarate", "Tecfidera", "fumarate"),
        ("levodopa-carbidopa", "Sinemet", "dopamine precursor with decarboxylase inhibitor"),
        ("pramipexole", "Mirapex", "dopamine agonist"),
        ("levetiracetam", "Keppra", "antiseizure medication (SV2A ligand)"),
        ("lamotrigine", "Lamictal", "antiseizure medication (sodium channel blocker)"),
        ("metformin", "Glucophage", "biguanide"),
        ("semaglutide", "Wegovy", "GLP-1 receptor agonist"),
        ("empagliflozin", "Jardiance", "SGLT2 inhibitor"),
        ("sertraline", "Zoloft", "SSRI antidepressant"),
        ("escitalopram", "Lexapro", "SSRI antidepressant"),
        ("bupropion", "Wellbutrin", "norepinephrine-dopamine reuptake inhibitor"),
        ("quetiapine", "Seroquel", "atypical antipsychotic"),
        ("bictegravir-emtricitabine-tenofovir-alafenamide", "Biktarvy", None),
        ("hydroxychloroquine", "Plaquenil", "antimalarial DMARD"),
        ("adalimumab", "Humira", "TNF inhibitor"),
        ("infliximab", "Remicade", "TNF inhibitor"),
        ("ustekinumab", "Stelara", "IL-12 and IL-23 inhibitor"),
        ("pregabalin", "Lyrica", "gabapentinoid"),
        ("duloxetine", "Cymbalta", "SNRI antidepressant"),
        ("sumatriptan", "Imitrex", "triptan"),
        ("erenumab", "Aimovig", "CGRP receptor monoclonal antibody"),
        ("tiotropium", "Spiriva Respimat", "long-acting muscarinic antagonist"),
        ("sacubitril-valsartan", "Entresto", "angiotensin receptor-neprilysin inhibitor"),
        ("letrozole", "Femara", "aromatase inhibitor"),
    ],
)
def test_named_drugs_carry_their_brand_and_class(
    slug: str, brand: str, drug_class: str | None
) -> None:
    treatment = TREATMENTS[slug]
    assert treatment.kind == "drug"
    assert brand in treatment.synonyms
    if drug_class is not None:
        assert treatment.drug_class == drug_class


@pytest.mark.parametrize(
    "slug",
    [
        "lithium",
        "methotrexate",
        "tamoxifen",
        "physical-therapy",
        "occupational-therapy",
        "cognitive-behavioral-therapy",
        "ketogenic-diet",
        "deep-brain-stimulation",
        "mindfulness-meditation",
        "cpap",
        "low-fodmap-diet",
    ],
)
def test_common_treatments_are_present(slug: str) -> None:
    assert slug in TREATMENTS


def test_side_effects_are_symptoms_plus_their_own_terms() -> None:
    symptom_entries = {slug for slug, effect in SIDE_EFFECTS.items() if effect.is_symptom}
    assert symptom_entries == SYMPTOMS.keys()
    for slug in (
        "injection-site-reaction",
        "infusion-reaction",
        "elevated-liver-enzymes",
        "low-white-blood-cell-count",
        "increased-infection-risk",
        "sexual-dysfunction",
        "emotional-blunting",
        "sun-sensitivity",
        "metallic-taste",
    ):
        assert not SIDE_EFFECTS[slug].is_symptom


# Autocomplete ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Term:
    name: str
    synonyms: tuple[str, ...] = ()


def test_brand_name_finds_the_generic_and_says_which_synonym_matched() -> None:
    [match] = match_terms("humira", TREATMENTS.values())
    assert match.term.slug == "adalimumab"
    assert match.rank is MatchRank.EXACT
    assert match.matched_synonym == "Humira"


def test_a_canonical_name_match_reports_no_synonym() -> None:
    match = match_terms("metformin", TREATMENTS.values())[0]
    assert (match.term.slug, match.matched_synonym) == ("metformin", None)


def test_ranking_is_exact_then_name_prefix_then_synonym_prefix_then_word_prefix() -> None:
    terms = [
        _Term("Lower back stretch"),  # word prefix
        _Term("Backing", ("Zeta",)),  # name prefix
        _Term("Alpha", ("Backbone",)),  # synonym prefix
        _Term("Beta", ("back",)),  # exact synonym
    ]
    names = [match.term.name for match in match_terms("Back", terms)]
    assert names == ["Beta", "Backing", "Alpha", "Lower back stretch"]


def test_ties_sort_alphabetically_and_limit_applies() -> None:
    names = [m.term.name for m in match_terms("met", TREATMENTS.values(), limit=3)]
    assert names == ["Metformin", "Methotrexate", "Methylphenidate"]


def test_matching_ignores_case_accents_and_apostrophes() -> None:
    for query in ("SJÖGREN", "sjogren", "Sjögren's", "sjogrens syn"):
        assert match_terms(query, CONDITIONS.values())[0].term.slug == "sjogrens-syndrome"
    assert match_terms("parkinsons", CONDITIONS.values())[0].term.slug == "parkinsons-disease"
    assert match_terms("Crème", [_Term("creme brulee")])[0].term.name == "creme brulee"


def test_word_prefix_matches_inside_names_but_not_inside_words() -> None:
    assert [m.term.slug for m in match_terms("gehrig", CONDITIONS.values())] == ["als"]
    assert match_terms("ehrig", CONDITIONS.values()) == []


def test_blank_query_matches_nothing() -> None:
    assert match_terms("  ", CONDITIONS.values()) == []
    assert normalize_term(" Lou Gehrig’s  disease ") == "lou gehrigs disease"


# Validation -----------------------------------------------------------------------------------


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return Path(shutil.copytree(DATA_DIR, tmp_path / "data"))


LOADERS: dict[str, Callable[[Path], object]] = {
    "conditions.csv": load_conditions,
    "treatments.csv": load_treatments,
    "side_effects.csv": load_side_effects,
}


def _append(path: Path, line: str) -> int:
    """Append a raw CSV line and return its line number."""
    text = path.read_text(encoding="utf-8")
    path.write_text(text + line + "\n", encoding="utf-8")
    return text.count("\n") + 1


@pytest.mark.parametrize(
    ("file_name", "row", "message"),
    [
        ("conditions.csv", "Bad_Slug,G35,Bad,,A sentence.", "slug 'Bad_Slug'"),
        ("conditions.csv", "als,G12.21,Again,,A sentence.", "duplicate slug 'als'"),
        ("conditions.csv", "new-thing,banana,New,,A sentence.", "invalid ICD-10 code 'banana'"),
        ("conditions.csv", "new-thing,G35,New", "expected 5 fields"),
        ("conditions.csv", "new-thing,G35,,,A sentence.", "name is empty"),
        ("treatments.csv", "newdrug,Newdrug,drug,x,,mg,no-such-condition", "unknown condition"),
        ("treatments.csv", "newdrug,Newdrug,pill,x,,mg,als", "kind must be 'drug' or 'non_drug'"),
        ("side_effects.csv", "fatigue,Fatigue,", "'fatigue' is already a symptom"),
    ],
)
def test_a_bad_row_is_reported_with_file_and_line(
    data_dir: Path, file_name: str, row: str, message: str
) -> None:
    line = _append(data_dir / file_name, row)
    with pytest.raises(VocabularyError) as error:
        LOADERS[file_name](data_dir)
    assert str(error.value).startswith(f"{file_name} line {line}: ")
    assert message in str(error.value)


def test_a_wrong_header_is_reported(data_dir: Path) -> None:
    (data_dir / "symptoms.csv").write_text("slug,label\nfatigue,Fatigue\n", encoding="utf-8")
    with pytest.raises(VocabularyError, match=r"^symptoms\.csv line 1: expected columns"):
        load_symptoms(data_dir)
