"""`flores_<dev|devtest>[:<lang>=<FLORES code>,...]`: FLORES-200 (`flores_dev`, `flores_devtest`).

Upstream: https://dl.fbaipublicfiles.com/nllb/flores200_dataset.tar.gz (the target of
https://tinyurl.com/flores200dataset), with one line-aligned file per language,
`flores200_dataset/<split>/<code>.<split>`, e.g. `flores200_dataset/dev/deu_Latn.dev`. The
archive is fetched through `pipeline.common.download.fetch` (TRANSLATIONS_DATA_MIRROR,
TRANSLATIONS_DATA_CACHE apply) and read member by member.

A language is found as: a FLORES-200 code given in the key (`flores_devtest:zh=zho_Hant`),
else `langs.alpha3_script`: ISO 639-3 and the language's script (`de` -> `deu_Latn`, `ast`
-> `ast_Latn`, `zh-TW`/`zh-Hant` -> `zho_Hant`, `pt-BR` -> `por_Latn`, `ar` -> `arb_Arab`:
a macrolanguage is its individual language in FLORES-200), which must be in FLORES-200.
"""

import shutil
import tarfile
import tempfile
from pathlib import Path
from typing import Iterator

from pipeline.common import langs
from pipeline.common.corpus import aligned, read_lines
from pipeline.common.download import fetch
from pipeline.common.errors import UserError

URL = "https://dl.fbaipublicfiles.com/nllb/flores200_dataset.tar.gz"
SPLITS = ("dev", "devtest")
CODES_URL = "https://github.com/facebookresearch/flores/blob/main/flores200/README.md"

FLORES200 = set("""
ace_Arab ace_Latn acm_Arab acq_Arab aeb_Arab afr_Latn ajp_Arab aka_Latn als_Latn amh_Ethi apc_Arab arb_Arab arb_Latn
ars_Arab ary_Arab arz_Arab asm_Beng ast_Latn awa_Deva ayr_Latn azb_Arab azj_Latn bak_Cyrl bam_Latn ban_Latn bel_Cyrl
bem_Latn ben_Beng bho_Deva bjn_Arab bjn_Latn bod_Tibt bos_Latn bug_Latn bul_Cyrl cat_Latn ceb_Latn ces_Latn cjk_Latn
ckb_Arab crh_Latn cym_Latn dan_Latn deu_Latn dik_Latn dyu_Latn dzo_Tibt ell_Grek eng_Latn epo_Latn est_Latn eus_Latn
ewe_Latn fao_Latn fij_Latn fin_Latn fon_Latn fra_Latn fur_Latn fuv_Latn gaz_Latn gla_Latn gle_Latn glg_Latn grn_Latn
guj_Gujr hat_Latn hau_Latn heb_Hebr hin_Deva hne_Deva hrv_Latn hun_Latn hye_Armn ibo_Latn ilo_Latn ind_Latn isl_Latn
ita_Latn jav_Latn jpn_Jpan kab_Latn kac_Latn kam_Latn kan_Knda kas_Arab kas_Deva kat_Geor kaz_Cyrl kbp_Latn kea_Latn
khk_Cyrl khm_Khmr kik_Latn kin_Latn kir_Cyrl kmb_Latn kmr_Latn knc_Arab knc_Latn kon_Latn kor_Hang lao_Laoo lij_Latn
lim_Latn lin_Latn lit_Latn lmo_Latn ltg_Latn ltz_Latn lua_Latn lug_Latn luo_Latn lus_Latn lvs_Latn mag_Deva mai_Deva
mal_Mlym mar_Deva min_Arab min_Latn mkd_Cyrl mlt_Latn mni_Beng mos_Latn mri_Latn mya_Mymr nld_Latn nno_Latn nob_Latn
npi_Deva nso_Latn nus_Latn nya_Latn oci_Latn ory_Orya pag_Latn pan_Guru pap_Latn pbt_Arab pes_Arab plt_Latn pol_Latn
por_Latn prs_Arab quy_Latn ron_Latn run_Latn rus_Cyrl sag_Latn san_Deva sat_Olck scn_Latn shn_Mymr sin_Sinh slk_Latn
slv_Latn smo_Latn sna_Latn snd_Arab som_Latn sot_Latn spa_Latn srd_Latn srp_Cyrl ssw_Latn sun_Latn swe_Latn swh_Latn
szl_Latn tam_Taml taq_Latn taq_Tfng tat_Cyrl tel_Telu tgk_Cyrl tgl_Latn tha_Thai tir_Ethi tpi_Latn tsn_Latn tso_Latn
tuk_Latn tum_Latn tur_Latn twi_Latn tzm_Tfng uig_Arab ukr_Cyrl umb_Latn urd_Arab uzn_Latn vec_Latn vie_Latn war_Latn
wol_Latn xho_Latn ydd_Hebr yor_Latn yue_Hant zho_Hans zho_Hant zsm_Latn zul_Latn
""".split())

def _parse(key: str, name: str) -> tuple[str, dict[str, str]]:
    split, _, spec = name.partition(":")
    if split not in SPLITS:
        raise UserError(f"dataset {key}: FLORES-200 has the splits dev and devtest, not {split!r}: use flores_dev or flores_devtest")
    overrides = {}
    for item in filter(None, spec.split(",")):
        lang, sep, code = item.partition("=")
        if not sep or code not in FLORES200:
            raise UserError(f"dataset {key}: {item!r} is not <lang>=<FLORES-200 code>, e.g. zh=zho_Hant (codes: {CODES_URL})")
        if problem := langs.problem(lang):
            raise UserError(f"dataset {key}: {problem}")
        overrides[langs.canonical(lang)] = code
    return split, overrides


def flores_code(key: str, lang: str, overrides: dict[str, str] | None = None) -> str:
    """The FLORES-200 code of one of our language codes (see the module doc)."""
    try:
        code = (overrides or {}).get(langs.canonical(lang)) or langs.alpha3_script(lang)
    except langs.CodeError as error:
        raise UserError(f"dataset {key}: {error}") from None
    if code in FLORES200:
        return code
    split = key.partition(":")[0]
    raise UserError(
        f"dataset {key}: FLORES-200 has no {code} for {lang!r}; name its code in the key as {split}:{lang}=<code> "
        f"(<ISO 639-3>_<script>, e.g. ast_Latn; listed at {CODES_URL})"
    )


def urls(name: str, *langs: str) -> list[str]:
    key = f"flores_{name}"
    _, overrides = _parse(key, name)
    for lang in langs:
        flores_code(key, lang, overrides)
    return [URL]


def pairs(key: str, name: str, src: str, trg: str) -> Iterator[tuple[str, str]]:
    split, overrides = _parse(key, name)
    codes = [flores_code(key, lang, overrides) for lang in (src, trg)]
    if codes[0] == codes[1]:
        raise UserError(f"dataset {key}: {src} and {trg} are both FLORES-200 {codes[0]}")
    members = {f"flores200_dataset/{split}/{code}.{split}": lang for code, lang in zip(codes, (src, trg))}
    return _pairs(key, members, src, trg)


def _pairs(key: str, members: dict[str, str], src: str, trg: str) -> Iterator[tuple[str, str]]:
    with tempfile.TemporaryDirectory(prefix="import-flores-") as tmp:
        archive = Path(tmp) / "flores200_dataset.tar.gz"
        fetch(URL, archive, f"dataset {key}")
        files = {}
        try:
            with tarfile.open(archive, "r|gz") as tar:
                for member in tar:
                    if member.name in members and member.isfile():
                        files[members[member.name]] = path = Path(tmp) / f"{members[member.name]}.txt"
                        with tar.extractfile(member) as stream, open(path, "wb") as out:
                            shutil.copyfileobj(stream, out, 1 << 20)
        except (tarfile.TarError, OSError, EOFError) as error:
            raise UserError(f"dataset {key}: {URL}: cannot read the archive ({error})") from None
        archive.unlink()
        for member, lang in members.items():
            if lang not in files:
                raise UserError(f"dataset {key}: {URL} has no {member}")
        labels = {lang: f"{URL}:{member}" for member, lang in members.items()}
        yield from aligned(read_lines(files[src], labels[src]), read_lines(files[trg], labels[trg]), labels[src], labels[trg])
