"""`flores_<dev|devtest>[:<lang>=<FLORES code>,...]`: FLORES-200 (`flores_dev`, `flores_devtest`).

Upstream: https://dl.fbaipublicfiles.com/nllb/flores200_dataset.tar.gz (the target of
https://tinyurl.com/flores200dataset), with one line-aligned file per language,
`flores200_dataset/<split>/<code>.<split>`, e.g. `flores200_dataset/dev/deu_Latn.dev`. The
archive is fetched through `pipeline.common.download.fetch` (TRANSLATIONS_DATA_MIRROR,
TRANSLATIONS_DATA_CACHE apply) and read member by member.

A language is found as: a FLORES-200 code given in the key (`flores_devtest:zh=zho_Hant`),
else the language itself if it is a FLORES-200 code (`eng_Latn`), else the table below
(`de`, `zh`, `zh_Hant`/`zh-TW`, `pt-BR`: a region suffix falls back to the base language,
a script suffix does not), else an ISO 639-3 code with one FLORES-200 script (`ast`).
"""

import re
import shutil
import tarfile
import tempfile
from pathlib import Path
from typing import Iterator

from pipeline.common.corpus import aligned
from pipeline.common.download import fetch
from pipeline.common.errors import UserError
from pipeline.data.importers import read_text_lines

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

# Our codes (lower case, `_` for `-`) -> FLORES-200 codes, where the 3 letters differ or
# a macrolanguage needs its FLORES member (ar -> arb, fa -> pes, ms -> zsm, ...).
CODES = dict(pair.split(":") for pair in """
af:afr_Latn am:amh_Ethi ar:arb_Arab az:azj_Latn be:bel_Cyrl bg:bul_Cyrl bn:ben_Beng bs:bos_Latn ca:cat_Latn
cs:ces_Latn cy:cym_Latn da:dan_Latn de:deu_Latn el:ell_Grek en:eng_Latn eo:epo_Latn es:spa_Latn et:est_Latn
eu:eus_Latn fa:pes_Arab fi:fin_Latn fr:fra_Latn ga:gle_Latn gd:gla_Latn gl:glg_Latn gu:guj_Gujr ha:hau_Latn
he:heb_Hebr hi:hin_Deva hr:hrv_Latn ht:hat_Latn hu:hun_Latn hy:hye_Armn id:ind_Latn ig:ibo_Latn is:isl_Latn
it:ita_Latn ja:jpn_Jpan jv:jav_Latn ka:kat_Geor kk:kaz_Cyrl km:khm_Khmr kn:kan_Knda ko:kor_Hang ku:kmr_Latn
ky:kir_Cyrl lb:ltz_Latn lo:lao_Laoo lt:lit_Latn lv:lvs_Latn mg:plt_Latn mi:mri_Latn mk:mkd_Cyrl ml:mal_Mlym
mn:khk_Cyrl mr:mar_Deva ms:zsm_Latn mt:mlt_Latn my:mya_Mymr nb:nob_Latn ne:npi_Deva nl:nld_Latn nn:nno_Latn
no:nob_Latn ny:nya_Latn oc:oci_Latn or:ory_Orya pa:pan_Guru pl:pol_Latn ps:pbt_Arab pt:por_Latn ro:ron_Latn
ru:rus_Cyrl rw:kin_Latn sd:snd_Arab si:sin_Sinh sk:slk_Latn sl:slv_Latn sn:sna_Latn so:som_Latn sq:als_Latn
sr:srp_Cyrl sr_cyrl:srp_Cyrl sv:swe_Latn sw:swh_Latn ta:tam_Taml te:tel_Telu tg:tgk_Cyrl th:tha_Thai
tk:tuk_Latn tl:tgl_Latn fil:tgl_Latn tr:tur_Latn tt:tat_Cyrl ug:uig_Arab uk:ukr_Cyrl ur:urd_Arab
uz:uzn_Latn vi:vie_Latn xh:xho_Latn yi:ydd_Hebr yo:yor_Latn zu:zul_Latn
zh:zho_Hans zh_hans:zho_Hans zh_cn:zho_Hans zh_sg:zho_Hans zh_hant:zho_Hant zh_tw:zho_Hant zh_hk:zho_Hant
zh_mo:zho_Hant
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
        overrides[lang] = code
    return split, overrides


def flores_code(key: str, lang: str, overrides: dict[str, str] | None = None) -> str:
    """The FLORES-200 code of one of our language codes (see the module doc)."""
    if lang in (overrides or {}):
        return overrides[lang]
    if lang in FLORES200:
        return lang
    norm = lang.lower().replace("-", "_")
    base, _, suffix = norm.partition("_")
    if norm in CODES:
        return CODES[norm]
    if re.fullmatch(r"[a-z]{2}|[0-9]{3}", suffix) and base in CODES:
        return CODES[base]
    scripts = [code for code in FLORES200 if code.startswith(f"{norm}_")]
    if len(scripts) == 1:
        return scripts[0]
    split = key.partition(":")[0]
    raise UserError(
        f"dataset {key}: no FLORES-200 code known for {lang!r}; name it in the key as {split}:{lang}=<code> "
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
        yield from aligned(read_text_lines(files[src], labels[src]), read_text_lines(files[trg], labels[trg]), labels[src], labels[trg])
