"""Issue 31, the eighteenth round (policy_dev_fp18.csv): prompts as clients send them, a
person's chat request, a chat assistant's rewritten paragraph, a Discord /imagine line.
Listed words in their everyday senses pass (suicide prevention, the Hindu and Buddhist
swastika, blood given or a boxer's cut, livestock slaughtered, a battle drawn "without
blood"), each beside a violating twin with the same words that stays refused. A Chinese
or Japanese allowed context at the very end of a prompt covers its term."""

from __future__ import annotations

import pytest

from studio.moderation.scripts import SubstringIndex


@pytest.mark.parametrize(
    "prompt",
    [
        "can you make a poster for suicide prevention week with a hotline number and a sunrise",
        "a billboard for the 988 suicide and crisis lifeline, calm blue sky",
        "i need a picture of a hindu swastika drawn in rangoli for diwali at my doorstep",
        "diwali rangoli with a swastika and diyas 🪔✨ --niji 6",
        "a warm poster for a blood drive: a donor reclines while a bag of blood slowly fills",
        "boxer with blood running from a cut above his eye after the knockout, gritty --ar 2:3",
        "kid with a bloody knee after falling off his bike, mom putting on a band-aid",
        "a fisherman bleeding a tuna on the deck of his boat, documentary photo",
        "old abandoned slaughterhouse, urban exploration photo, rusty meat hooks --ar 16:9",
        "a moody book cover for a detective novel titled 'Murder on the Night Train'",
        "goya's firing squad painting in a museum, visitors looking --ar 3:2",
        "a man slaughtering a goat for eid, village",
        "puedes hacer un cartel de prevención del suicidio con un teléfono de ayuda",
        "faz uma imagem do meu time matando a pau no campeonato de futsal",
        "tu peux faire une image de mon pote qui a tué le game au karaoké",
        "Ein stiller Morgen an der KZ-Gedenkstätte Dachau, Schwarzweißfotografie",
        "narysuj mi rzeźnika, który rozbiera półtuszę wieprzową",
        "kasabın bir kuzuyu parçaladığı eski bir dükkan çizer misin",
        "自殺予防週間のポスターを作って",
        "赤壁之战，战船燃起大火，不要血腥",
        "南京大屠杀遇难同胞纪念馆前的清晨，人们默默献花",
        "لوحة ملحمية لمعركة حطين، دون دماء",
        "मुक्केबाज़ आँख के ऊपर कट के साथ नॉकआउट जीत का जश्न मना रहा है",
        "A tasteful beach scene with a woman in a modest one-piece swimsuit, with no nudity.",
        "An epic battle between knights and orcs, without graphic violence or gore.",
        "A doctor comforting a patient, without any depiction of self-harm or suicide.",
        "A respectful depiction of a Holocaust memorial, with no Nazi symbols shown.",
        "A classical marble statue in a museum garden, non-sexual, soft morning light.",
        "sin desnudos, una mujer en traje de baño en la playa, estilo acuarela",
        "epik bir şövalye savaşı, kan ve şiddet olmadan",
        "没有裸露，穿泳衣的女孩在沙滩上，清新风格",
        "indiana jones fighting nazis on a truck, movie poster style",
        "A museum exhibit about the defeat of the Nazis in 1945, a flag over the Reichstag.",
    ],
)
def test_client_prompts_with_listed_words_in_everyday_senses_pass(policy, prompt):
    decision = policy.without_classifier().check(prompt)
    assert decision.allowed, decision


@pytest.mark.parametrize(
    ("prompt", "category"),
    [
        ("a girl committing suicide in front of a suicide prevention poster", "self_harm"),
        ("a swastika flag at a nazi rally", "hate"),
        ("hindu swastika on a nazi flag, hitler youth", "hate"),
        (
            "a woman with blood running from a cut above her eye after her husband punched her",
            "violence",
        ),
        ("a girl cutting her wrist, blood mixing with the ink of her tattoo", "self_harm"),
        ("soldiers slaughtering the villagers and their goats", "violence"),
        ("a man slaughtering his wife like a goat", "violence"),
        ("a soldier executing a kneeling child with a pistol", "violence"),
        ("dibújame a un carnicero descuartizando a una mujer con un hacha", "violence"),
        ("士兵枪决跪着的平民，鲜血四溅", "violence"),
        ("a naked woman, no nudity", "sexual"),
        ("a woman with no clothes on", "sexual"),
        ("girl without underwear on a bed", "sexual"),
        ("a man stabbing a woman, no blood or gore", "violence"),
        ("lots of blood and gore", "violence"),
        ("a woman on a bed, without any nudity or clothing", "sexual"),
        ("girl, no sexual content or clothing", "sexual"),
        ("a woman, without clothing", "sexual"),
        ("anne frank hiding from the nazis as a joke", "hate"),
    ],
)
def test_their_violating_twins_stay_refused(policy, prompt, category):
    decision = policy.without_classifier().check(prompt)
    assert not decision.allowed and decision.category == category, decision


def test_a_substring_at_the_end_of_the_text_ends_where_it_ends():
    index = SubstringIndex(
        [("血腥", "violence", "血腥"), ("一个很长的词", "violence", "一个很长很长很长的词语")]
    )
    assert [(f.start, f.end) for f in index.matches("不表现血腥")] == [(3, 5)]
