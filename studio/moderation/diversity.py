"""People diversity (a DALL·E 2 safety measure): a random gender and ethnicity per image.

When a server turns it on (``/mod diversity``, off by default), a text-to-image prompt
that describes a person without saying who they are gets, *for each image*, the attributes
it leaves open, chosen at random: "a portrait of a doctor" becomes "a portrait of a female
South Asian doctor" for one image and "a portrait of a male Black doctor" for the next.
Nothing is added when the prompt already states the gender and the ethnicity, names no
person (a cat, a robot chef, a landscape), or is about several people ("a crowd").

The person is found by a list of nouns for people (``doctor``, ``astronaut``, ``woman``);
stated gender and ethnicity by lists of words (``woman``, ``she``, ``asian``, ``nigerian``).
Lists cannot read every prompt: a named historical person ("napoleon as a doctor") is not
recognised as named, and an attribute written in an unusual way is not seen as stated.
"""

from __future__ import annotations

import random
import re


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


GENDERS = ("female", "male")
ETHNICITIES = (
    "Black",
    "East Asian",
    "Hispanic",
    "Middle Eastern",
    "Native American",
    "Pacific Islander",
    "South Asian",
    "Southeast Asian",
    "White",
)

# Singular nouns for one person whose gender the noun does not say.
PERSON = _words(
    """person adult teenager teen child kid toddler student teacher professor
    doctor nurse surgeon dentist scientist engineer programmer developer architect pilot
    astronaut firefighter police officer detective soldier sailor farmer chef baker
    waiter bartender barista cashier clerk lawyer judge banker ceo manager worker
    employee entrepreneur businessperson athlete runner swimmer cyclist boxer dancer singer
    musician guitarist pianist drummer violinist painter artist photographer writer author
    poet journalist reporter librarian mechanic plumber carpenter electrician janitor
    gardener hunter explorer hiker climber surfer skater skateboarder gamer
    streamer tourist traveler traveller passenger driver cowboy knight warrior
    samurai ninja wizard witch monk priest paramedic pharmacist veterinarian researcher
    hero superhero villain spy thief pirate rockstar dj chemist biologist astronomer
    mathematician physicist inventor mayor politician president customer patient
    shopkeeper vendor merchant beggar refugee immigrant villager citizen neighbor
    neighbour friend stranger parent grandparent sibling cousin spouse partner elder
    youngster individual"""
)
PRONOUNS = _words("he she his her him hers himself herself")  # say the gender
# Nouns that say the gender themselves (the ethnicity may still be open).
GENDERED = _words(
    """man woman boy girl lady gentleman guy gal male female
    mother father mom mum dad son daughter brother sister grandmother grandfather
    grandma grandpa aunt uncle wife husband bride groom king queen prince princess
    actress actor waitress businessman businesswoman policeman policewoman fireman
    salesman saleswoman fisherman nun monk priestess sorceress heroine duchess duke emperor
    empress girlfriend boyfriend housewife gentlemen ladies men women boys girls
    nonbinary non-binary androgynous"""
)
ETHNIC = _words(
    """asian black white african european arab hispanic latino latina latinx caucasian
    indian chinese japanese korean vietnamese thai filipino filipina indonesian malaysian
    mexican brazilian colombian peruvian argentinian cuban nigerian kenyan ethiopian
    ghanaian egyptian moroccan turkish persian iranian iraqi syrian lebanese israeli
    jewish pakistani bangladeshi nepali tibetan mongolian russian ukrainian polish german
    french italian spanish portuguese greek irish scottish english british swedish
    norwegian danish finnish dutch american canadian australian maori samoan hawaiian
    inuit indigenous aboriginal navajo cherokee native biracial mixed-race multiracial
    nordic slavic scandinavian mediterranean somali sudanese zulu maasai"""
)
# A person noun right after one of these is not a human: "a cat astronaut", "a robot chef".
NOT_HUMAN = _words(
    """cat dog robot android cyborg frog toad bear teddy fox wolf rabbit bunny mouse rat owl
    penguin duck chicken pig cow horse monkey ape gorilla lion tiger panda koala otter
    alien skeleton zombie lego toy plush clay paper cardboard banana cactus pumpkin
    dinosaur dragon goblin orc elf dwarf troll squirrel raccoon hamster corgi shiba
    capybara sloth octopus shark fish bird parrot snail turtle insect ant bee spider"""
)
PLURAL_PEOPLE = _words(
    """people crowd crowds group team family families couple couples children kids
    students doctors nurses soldiers workers friends audience"""
)
WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")


def open_attributes(prompt: str) -> tuple[bool, bool] | None:
    """(gender open, ethnicity open) for a prompt about one unnamed person, else None."""
    words = [w.lower() for w in WORD.findall(prompt)]
    if _person_word(prompt) is None or any(w in PLURAL_PEOPLE for w in words):
        return None
    gender_open = not any(w in GENDERED or w in PRONOUNS for w in words)
    ethnicity_open = not any(w in ETHNIC for w in words)
    if not (gender_open or ethnicity_open):
        return None
    return gender_open, ethnicity_open


def diversify(prompt: str, n: int, rng: random.Random | None = None) -> list[str] | None:
    """One prompt per image with the open attributes chosen at random, or None to leave
    the prompt as it is. The attributes go right before the first word for the person,
    with "a"/"an" before them agreeing ("an East Asian doctor")."""
    open_ = open_attributes(prompt)
    if open_ is None:
        return None
    rng = rng or random.SystemRandom()
    target = _person_word(prompt)
    assert target is not None  # open_attributes found it
    prompts = []
    for _ in range(n):
        words = []
        if open_[0]:
            words.append(rng.choice(GENDERS))
        if open_[1]:
            words.append(rng.choice(ETHNICITIES))
        prompts.append(_insert(prompt, target, " ".join(words)))
    return prompts


def _person_word(prompt: str) -> re.Match[str] | None:
    """The first word for one human: a person noun not preceded or followed by an animal,
    a toy or a robot ("a cat astronaut", "a teacher robot"), or a gendered noun."""
    matches = list(WORD.finditer(prompt))
    words = [m.group(0).lower() for m in matches]
    for i, word in enumerate(words):
        if word not in PERSON and word not in GENDERED:
            continue
        near = {words[i - 1] if i else "", words[i + 1] if i + 1 < len(words) else ""}
        if word in GENDERED or not near & NOT_HUMAN:
            return matches[i]
    return None


def _insert(prompt: str, target: re.Match[str], attributes: str) -> str:
    before, after = prompt[: target.start()], prompt[target.start() :]
    article = re.search(r"(?i)\b(an?)\s+$", before)
    if article:
        wanted = "an" if attributes[0].lower() in "aeiou" else "a"
        if article.group(1)[0].isupper():
            wanted = wanted.capitalize()
        before = before[: article.start(1)] + wanted + before[article.end(1) :]
    return f"{before}{attributes} {after}"
