"""Build ``nlp/data/places.json`` from pycountry plus the hand-made table below.

Run: ``python -m nlp.data.build_places`` (re-run after editing the table; the JSON is committed).
Table lines: ``CC | demonyms, ... | capital cities, ... | other names, ...`` (alpha-2 first).
"""
from __future__ import annotations

import json
from pathlib import Path

import pycountry

OUT = Path(__file__).with_name("places.json")

REGIONS = {
    "Asia": "KZ KG TJ TM UZ AF BD BT IN MV NP PK LK BN KH ID LA MY MM PH SG TH TL VN CN HK MO JP KP KR MN TW IO",
    "Middle East & North Africa": "DZ BH EG IR IQ IL JO KW LB LY MA OM PS QA SA SY TN AE YE EH",
    "Africa": "AO BJ BW BF BI CV CM CF TD KM CG CD CI DJ GQ ER SZ ET GA GM GH GN GW KE LS LR MG MW ML MR MU YT "
              "MZ NA NE NG RE RW SH ST SN SC SL SO ZA SS SD TZ TG UG ZM ZW",
    "Central & South America": "MX GT BZ SV HN NI CR PA AG BS BB CU DM DO GD HT JM KN LC VC TT AI AW BQ CW KY GP "
                               "MQ MS PR BL MF SX TC VG VI AR BO BR CL CO EC FK GF GY PY PE SR UY VE GS",
    "North America": "US CA BM GL PM UM",
    "Oceania": "AU NZ FJ PG SB VU NC PF WS TO TV KI NR MH FM PW CK NU TK WF AS GU MP PN NF CX CC HM AQ TF BV",
    "Europe": "AL AD AT BY BE BA BG HR CY CZ DK EE FI FR DE GR HU IS IE IT XK LV LI LT LU MT MD MC ME NL MK NO "
              "PL PT RO RU SM RS SK SI ES SE CH UA GB VA AX FO GI GG IM JE SJ TR AM AZ GE",
}

TABLE = """
AF | Afghan | Kabul |
AL | Albanian | Tirana |
DZ | Algerian | Algiers |
AO | Angolan | Luanda |
AR | Argentine, Argentinian | Buenos Aires |
AM | Armenian | Yerevan |
AU | Australian | Canberra, Sydney, Melbourne |
AT | Austrian | Vienna |
AZ | Azerbaijani | Baku |
BH | Bahraini | Manama |
BD | Bangladeshi | Dhaka |
BY | Belarusian | Minsk |
BE | Belgian | Brussels |
BJ | Beninese | Porto-Novo, Cotonou |
BO | Bolivian | La Paz, Sucre |
BA | Bosnian | Sarajevo | Bosnia
BW | Botswanan | Gaborone |
BR | Brazilian | Brasilia, Brasília, Sao Paulo, São Paulo, Rio de Janeiro |
BG | Bulgarian | Sofia |
BF | Burkinabe | Ouagadougou |
BI | Burundian | Bujumbura, Gitega |
KH | Cambodian | Phnom Penh |
CM | Cameroonian | Yaounde, Yaoundé, Douala |
CA | Canadian | Ottawa, Toronto |
CF | Central African | Bangui |
TD | Chadian | N'Djamena | Chad
CL | Chilean | Santiago |
CN | Chinese | Beijing, Shanghai, Shenzhen | Mainland China, PRC
CO | Colombian | Bogota, Bogotá |
CD | Congolese | Kinshasa | DRC, DR Congo, D.R. Congo, Democratic Republic of Congo, Democratic Republic of the Congo, Congo, Congo-Kinshasa
CG | | Brazzaville | Republic of Congo, Republic of the Congo, Congo-Brazzaville
CR | Costa Rican | San Jose, San José |
CI | Ivorian | Abidjan, Yamoussoukro | Ivory Coast, Cote d'Ivoire, Côte d'Ivoire
HR | Croatian | Zagreb |
CU | Cuban | Havana |
CY | Cypriot | Nicosia |
CZ | Czech | Prague | Czech Republic, Czechia
DK | Danish | Copenhagen |
DO | Dominican | Santo Domingo |
EC | Ecuadorian | Quito |
EG | Egyptian | Cairo |
SV | Salvadoran | San Salvador |
ER | Eritrean | Asmara |
EE | Estonian | Tallinn |
ET | Ethiopian | Addis Ababa |
FJ | Fijian | Suva |
FI | Finnish | Helsinki |
FR | French | Paris |
GA | Gabonese | Libreville |
GM | Gambian | Banjul | Gambia, The Gambia
GE | Georgian | Tbilisi | Georgia
DE | German | Berlin |
GH | Ghanaian | Accra |
GR | Greek | Athens |
GT | Guatemalan | Guatemala City |
GN | Guinean | Conakry |
HT | Haitian | Port-au-Prince |
HN | Honduran | Tegucigalpa |
HK | | | Hong Kong
HU | Hungarian | Budapest |
IS | Icelandic | Reykjavik |
IN | Indian | New Delhi, Delhi, Mumbai, Bangalore, Bengaluru, Chennai |
ID | Indonesian | Jakarta |
IR | Iranian | Tehran | Iran
IQ | Iraqi | Baghdad |
IE | Irish | Dublin |
IL | Israeli | Jerusalem, Tel Aviv |
IT | Italian | Rome, Milan |
JM | Jamaican | Kingston |
JP | Japanese | Tokyo |
JO | Jordanian | Amman | Jordan
KZ | Kazakh, Kazakhstani | Astana, Almaty |
KE | Kenyan | Nairobi |
KW | Kuwaiti | Kuwait City |
KG | Kyrgyz | Bishkek |
LA | Lao, Laotian | Vientiane | Laos
LV | Latvian | Riga |
LB | Lebanese | Beirut |
LS | Basotho | Maseru |
LR | Liberian | Monrovia |
LY | Libyan | Tripoli |
LT | Lithuanian | Vilnius |
LU | Luxembourgish | Luxembourg City |
MG | Malagasy | Antananarivo |
MW | Malawian | Lilongwe |
MY | Malaysian | Kuala Lumpur |
ML | Malian | Bamako |
MR | Mauritanian | Nouakchott |
MX | Mexican | Mexico City |
MD | Moldovan | Chisinau | Moldova
MN | Mongolian | Ulaanbaatar, Ulan Bator |
ME | Montenegrin | Podgorica |
MA | Moroccan | Rabat, Casablanca |
MZ | Mozambican | Maputo |
MM | Burmese | Naypyidaw, Yangon, Rangoon | Myanmar, Burma
NA | Namibian | Windhoek |
NP | Nepalese, Nepali | Kathmandu |
NL | Dutch | Amsterdam, The Hague | Holland
NZ | | Wellington, Auckland | New Zealand
NI | Nicaraguan | Managua |
NE | Nigerien | Niamey |
NG | Nigerian | Abuja, Lagos |
KP | North Korean | Pyongyang | North Korea, DPRK
MK | Macedonian | Skopje | North Macedonia, Macedonia
NO | Norwegian | Oslo |
OM | Omani | Muscat |
PK | Pakistani | Islamabad, Karachi, Lahore |
PS | Palestinian | Ramallah, Gaza | Palestine, West Bank, Gaza Strip
PA | Panamanian | Panama City |
PG | Papua New Guinean | Port Moresby |
PY | Paraguayan | Asuncion, Asunción |
PE | Peruvian | Lima |
PH | Filipino, Philippine | Manila | Philippines
PL | Polish | Warsaw |
PT | Portuguese | Lisbon |
QA | Qatari | Doha |
RO | Romanian | Bucharest |
RU | Russian | Moscow | Russia
RW | Rwandan | Kigali |
SA | Saudi | Riyadh | Saudi Arabia
SN | Senegalese | Dakar |
RS | Serbian | Belgrade |
SL | Sierra Leonean | Freetown |
SG | Singaporean | | Singapore
SK | Slovak | Bratislava | Slovakia
SI | Slovenian | Ljubljana |
SO | Somali | Mogadishu |
ZA | South African | Pretoria, Johannesburg, Cape Town |
KR | South Korean | Seoul | South Korea, Korea
SS | South Sudanese | Juba |
ES | Spanish | Madrid, Barcelona |
LK | Sri Lankan | Colombo |
SD | Sudanese | Khartoum |
SE | Swedish | Stockholm |
CH | Swiss | Bern, Geneva, Zurich |
SY | Syrian | Damascus | Syria
TW | Taiwanese | Taipei | Taiwan
TJ | Tajik | Dushanbe |
TZ | Tanzanian | Dodoma, Dar es Salaam | Tanzania
TH | Thai | Bangkok |
TG | Togolese | Lome, Lomé |
TN | Tunisian | Tunis |
TR | Turkish | Ankara, Istanbul | Turkey, Türkiye
TM | Turkmen | Ashgabat |
UG | Ugandan | Kampala |
UA | Ukrainian | Kyiv, Kiev |
AE | Emirati | Abu Dhabi, Dubai | UAE, United Arab Emirates
GB | British | London | UK, U.K., Britain, Great Britain, United Kingdom, England, Scotland, Wales, Northern Ireland
US | American | Washington | US, U.S., USA, U.S.A., United States, United States of America, America
UY | Uruguayan | Montevideo |
UZ | Uzbek | Tashkent |
VE | Venezuelan | Caracas | Venezuela
VN | Vietnamese | Hanoi, Ho Chi Minh City, Saigon | Vietnam, Viet Nam
YE | Yemeni | Sanaa, Sana'a | Yemen
ZM | Zambian | Lusaka |
ZW | Zimbabwean | Harare |
"""
# Names that are often not places ("Jordan" the person, "Chad", "Georgia" the US state, "Washington" the
# person, "Kingston", "Santiago", "Lima"...): only counted when the NER calls them a place.
AMBIGUOUS = ["Jordan", "Chad", "Georgia", "Georgian", "Washington", "Kingston", "Santiago", "Victoria", "Lima",
             "American", "Congo", "Guinea", "Niger", "Sofia", "Paris", "Indian", "Turkey", "Korea", "Dominican",
             "Saudi", "Thai", "Lao", "Male", "Nepali", "Juba", "Gaza", "Delhi"]


def build() -> dict:
    region_of = {cc: region for region, codes in REGIONS.items() for cc in codes.split()}
    names: dict[str, str] = {}
    for c in pycountry.countries:
        if c.alpha_2 not in region_of:
            raise SystemExit(f"no region for {c.alpha_2} {c.name}")
        for attr in ("name", "official_name", "common_name"):
            value = getattr(c, attr, None)
            if value:
                names.setdefault(value, c.alpha_2)
                if "," in value:   # "Korea, Republic of" stays; "Bolivia, Plurinational State of" -> "Bolivia"
                    names.setdefault(value.split(",")[0].strip(), c.alpha_2)
    names.pop("Korea", None)
    demonyms: dict[str, str] = {}
    capitals: dict[str, str] = {}
    for line in TABLE.strip().splitlines():
        cc, dem, cap, other = (part.strip() for part in line.split("|"))
        for d in filter(None, (x.strip() for x in dem.split(","))):
            demonyms[d] = cc
        for city in filter(None, (x.strip() for x in cap.split(","))):
            capitals[city] = cc
        for o in filter(None, (x.strip() for x in other.split(","))):
            names[o] = cc
    region_of["XK"] = "Europe"
    return {"regions": region_of, "names": names, "demonyms": demonyms, "capitals": capitals,
            "ambiguous": AMBIGUOUS}


if __name__ == "__main__":
    data = build()
    OUT.write_text(json.dumps(data, ensure_ascii=False, indent=0, sort_keys=True), encoding="utf-8")
    print(f"wrote {OUT}: {len(data['names'])} names, {len(data['demonyms'])} demonyms, "
          f"{len(data['capitals'])} cities")
