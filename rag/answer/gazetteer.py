"""Country names, their common short forms, demonyms and capitals, so that "US", "American" and
"Washington" count as one answer (United States) when a question asks for countries.

General world knowledge (not drawn from any corpus): a country is reported under many surface
forms, and a list answer must fold them. Only used for GPE/NORP entities.
"""

from __future__ import annotations

from functools import lru_cache

# canonical name | aliases, demonyms and the capital (metonymy: "Berlin confirmed ...")
_TABLE = """
United States|US|U.S.|USA|U.S.A.|America|American|Americans|Washington|the United States
United Kingdom|UK|U.K.|Britain|Great Britain|British|Briton|Britons|London|England|English|the United Kingdom
Germany|German|Germans|Berlin
France|French|Paris
Italy|Italian|Italians|Rome
Spain|Spanish|Madrid
Portugal|Portuguese|Lisbon
Netherlands|Dutch|the Netherlands|Holland|Amsterdam|The Hague
Belgium|Belgian|Belgians|Brussels
Luxembourg|Luxembourgish
Switzerland|Swiss|Bern
Austria|Austrian|Austrians|Vienna
Poland|Polish|Pole|Poles|Warsaw
Czech Republic|Czechia|Czech|Czechs|Prague
Slovakia|Slovak|Slovakian|Bratislava
Hungary|Hungarian|Hungarians|Budapest
Romania|Romanian|Romanians|Bucharest
Bulgaria|Bulgarian|Bulgarians|Sofia
Greece|Greek|Greeks|Athens
Turkey|Türkiye|Turkish|Turks|Ankara
Denmark|Danish|Dane|Danes|Copenhagen
Norway|Norwegian|Norwegians|Oslo
Sweden|Swedish|Swede|Swedes|Stockholm
Finland|Finnish|Finn|Finns|Helsinki
Iceland|Icelandic|Reykjavik
Ireland|Irish|Dublin
Estonia|Estonian|Estonians|Tallinn
Latvia|Latvian|Latvians|Riga
Lithuania|Lithuanian|Lithuanians|Vilnius
Ukraine|Ukrainian|Ukrainians|Kyiv|Kiev
Russia|Russian|Russians|Moscow|Kremlin|Russian Federation
Belarus|Belarusian|Belarusians|Minsk
Moldova|Moldovan|Chisinau
Georgia|Georgian|Georgians|Tbilisi
Armenia|Armenian|Armenians|Yerevan
Azerbaijan|Azerbaijani|Azeri|Baku
Serbia|Serbian|Serbs|Belgrade
Croatia|Croatian|Croats|Zagreb
Slovenia|Slovenian|Slovene|Ljubljana
Bosnia and Herzegovina|Bosnia|Bosnian|Sarajevo
Albania|Albanian|Tirana
North Macedonia|Macedonia|Macedonian|Skopje
Montenegro|Montenegrin|Podgorica
Kosovo|Kosovar|Pristina
Canada|Canadian|Canadians|Ottawa
Mexico|Mexican|Mexicans|Mexico City
Brazil|Brazilian|Brazilians|Brasilia
Argentina|Argentine|Argentinian|Buenos Aires
Chile|Chilean|Santiago
Colombia|Colombian|Bogota
Peru|Peruvian|Lima
Venezuela|Venezuelan|Caracas
Cuba|Cuban|Havana
China|Chinese|Beijing|PRC
Japan|Japanese|Tokyo
South Korea|Korea|Korean|South Korean|Seoul|Republic of Korea
North Korea|North Korean|Pyongyang|DPRK
Taiwan|Taiwanese|Taipei
India|Indian|Indians|New Delhi|Delhi
Pakistan|Pakistani|Pakistanis|Islamabad
Bangladesh|Bangladeshi|Dhaka
Afghanistan|Afghan|Afghans|Kabul
Iran|Iranian|Iranians|Tehran|Islamic Republic
Iraq|Iraqi|Iraqis|Baghdad
Syria|Syrian|Syrians|Damascus
Lebanon|Lebanese|Beirut
Israel|Israeli|Israelis|Jerusalem|Tel Aviv
Jordan|Jordanian|Amman
Saudi Arabia|Saudi|Saudis|Riyadh
United Arab Emirates|UAE|Emirati|Abu Dhabi|Dubai
Qatar|Qatari|Doha
Kuwait|Kuwaiti
Oman|Omani|Muscat
Yemen|Yemeni|Sanaa
Egypt|Egyptian|Egyptians|Cairo
Libya|Libyan|Tripoli
Tunisia|Tunisian|Tunis
Algeria|Algerian|Algiers
Morocco|Moroccan|Rabat
Sudan|Sudanese|Khartoum
Ethiopia|Ethiopian|Addis Ababa
Kenya|Kenyan|Nairobi
Nigeria|Nigerian|Abuja
Ghana|Ghanaian|Accra
South Africa|South African|Pretoria
Indonesia|Indonesian|Jakarta
Malaysia|Malaysian|Kuala Lumpur
Singapore|Singaporean
Thailand|Thai|Bangkok
Vietnam|Vietnamese|Hanoi
Philippines|Philippine|Filipino|Manila
Australia|Australian|Australians|Canberra
New Zealand|New Zealander|Wellington
Kazakhstan|Kazakh|Astana
"""


def is_country_name(surface: str) -> bool:
    """True for a country's own name or short form ("Germany", "the UK"), not a demonym or a
    city: a question asking for a city must not be answered with a country."""
    hit = country(surface)
    if hit is None:
        return False
    key = surface.strip().casefold().removeprefix("the ")
    return key in _short_forms().get(hit, set())


@lru_cache(maxsize=1)
def _short_forms() -> dict[str, set[str]]:
    """Per country, the names that denote the state itself (canonical name and abbreviations)."""
    out: dict[str, set[str]] = {}
    for row in _TABLE.strip().splitlines():
        names = row.split("|")
        out[names[0]] = {n.casefold().removeprefix("the ") for n in names
                         if n == names[0] or n.isupper() or n.replace(".", "").isupper()
                         or n.startswith("the ") or n in _OTHER_NAMES}
    return out


_OTHER_NAMES = {"Britain", "Great Britain", "America", "Holland", "Czechia", "Türkiye", "Korea",
                "Russian Federation", "Republic of Korea", "Bosnia", "Macedonia"}


@lru_cache(maxsize=1)
def _aliases() -> dict[str, str]:
    out: dict[str, str] = {}
    for row in _TABLE.strip().splitlines():
        names = row.split("|")
        for n in names:
            out[n.casefold()] = names[0]
    return out


def country(surface: str) -> str | None:
    """The country a GPE/NORP mention stands for, or None when it is not a known country."""
    if surface.islower():  # "us" is a pronoun; names are capitalised
        return None
    table = _aliases()
    s = surface.strip().removesuffix("'s").removesuffix("’s")
    for key in (s.casefold(), s.strip(".,;:'’\"“”").casefold()):
        hit = table.get(key) or (table.get(key[4:]) if key.startswith("the ") else None)
        if hit:
            return hit
    return None


def aliases_of(surface: str) -> list[str]:
    """Every form of the country ``surface`` names (empty when it is not a country)."""
    hit = country(surface)
    if hit is None:
        return []
    return [k for k, v in _aliases().items() if v == hit]
